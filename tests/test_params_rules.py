"""Query integers follow pydantic's own parser, checked against pydantic itself on a generated corpus."""

from __future__ import annotations

import random

import pytest
from multidict import MultiDict

from agno_session_aio import params

pydantic = pytest.importorskip("pydantic")

SPACES = [" ", "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\xa0", "\u2003", "\u3000",
          "\u200b", "\ufeff"]


def corpus(seed: int = 11, count: int = 3000) -> list[str]:
    rng = random.Random(seed)
    values = ["5.", "5.0", "5.00", "-0", "+0", "0", "00", "1_000", "1__0", "_1", "1_", "0x1f", "1e3", ".5", "5..0",
              "", " ", "+", "-", "٣", "１"]
    for _ in range(count):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.choice([1, 2, 5, 19, 20, 4298, 4299, 4300,
                                                                                4301, 4302])))
        if rng.random() < 0.3:
            digits = "0" * rng.choice([1, 3]) + digits
        if rng.random() < 0.2 and len(digits) > 2:
            cut = rng.randrange(1, len(digits) - 1)
            digits = digits[:cut] + "_" + digits[cut:]
        sign = rng.choice(["", "", "+", "-"])
        fraction = rng.choice(["", "", ".0", ".00", ".", ".1"])
        pad = [rng.choice(SPACES) if rng.random() < 0.15 else "" for _ in range(2)]
        values.append(pad[0] + sign + digits + fraction + pad[1])
    return values


@pytest.mark.slow
def test_integers_parse_as_pydantic_does() -> None:
    adapter = pydantic.TypeAdapter(int)
    mismatches = []
    for raw in corpus():
        collector = params._Collector()
        ours = collector.integer(MultiDict({"n": raw}), "n")
        ours_error = collector.errors[0]["type"] if collector.errors else None
        try:
            theirs, theirs_error = adapter.validate_python(raw), None
        except pydantic.ValidationError as exc:
            theirs, theirs_error = None, exc.errors()[0]["type"]
        if (ours_error, ours if ours_error is None and abs(ours) < 10**4000 else None) != (
                theirs_error, theirs if theirs_error is None and abs(theirs) < 10**4000 else None):
            mismatches.append((raw[:40], len(raw), ours_error, theirs_error))
    assert not mismatches, mismatches[:10]
