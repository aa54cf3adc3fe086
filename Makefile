# Shortcuts; the README's commands are the reference.
.PHONY: test contract-test bench

test:
	python -m pytest

contract-test:
	python -m pytest tests/contract -q

bench:
	python scripts/bench.py
