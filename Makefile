# Shortcuts; the README's commands are the reference.
.PHONY: test fast-test contract-test container-test bench

test:
	python -m pytest

fast-test:
	python -m pytest -m "not slow and not contract"

contract-test:
	python -m pytest tests/contract -q

container-test:
	python -m pytest -m container

bench:
	python scripts/bench.py
