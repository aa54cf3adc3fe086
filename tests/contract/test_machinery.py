"""The comparison machinery itself (no servers): a mismatch must not slip through."""

from __future__ import annotations

from .compare import Observed, canonicalize_ties, diff_observed, diff_order, diff_values
from .normalize import NOW, Normalizer


def obs(status, body, raw=None, headers=None):
    import json

    raw = raw if raw is not None else json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Observed("GET", "/x", status, headers or {"content-type": "application/json"}, raw, body, True, True)


def test_values_types_and_missing_keys():
    kinds = [(d.where, d.agentos, d.ours) for d in diff_values({"a": 1, "b": [1, 2], "c": True}, {"a": 1.0, "b": [1], "d": None})]
    assert ("$.a", 1, 1.0) in kinds
    assert ("$.b (length)", 2, 1) in kinds
    assert any(w == "$.c" for w, _, _ in kinds) and any(w == "$.d" for w, _, _ in kinds)
    assert diff_values(1, True) and diff_values(0, False) and diff_values(None, "")


def test_key_order_is_checked():
    assert diff_order({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert diff_order({"x": {"a": 1, "b": 2}}, {"x": {"b": 2, "a": 1}})
    assert not diff_order({"x": {"a": 1, "b": 2}}, {"x": {"b": 2, "a": 1}}, max_depth=0)
    assert diff_order({"data": [{"a": 1, "b": 2}]}, {"data": [{"b": 2, "a": 1}]}, max_depth=0)


def test_status_headers_encoding():
    a = obs(200, {"a": 1})
    b = obs(201, {"a": 1}, raw=b'{"a": 1}', headers={"content-type": "application/json; charset=utf-8"})
    b.compact = False
    kinds = {d.kind for d in diff_observed(a, b, None)}
    assert kinds == {"status", "header", "encoding"}


def test_normalizer_only_touches_volatile_values():
    n = Normalizer(now_threshold=1_790_000_000, known_uuids=["11111111-1111-4111-8111-111111111111"])
    body = {
        "session_id": "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f",
        "detail": "Session with id '9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f' already exists",
        "other": "22222222-2222-4222-8222-222222222222",
        "known": "11111111-1111-4111-8111-111111111111",
        "created_at": "2025-09-05T16:02:09Z",
        "updated_at": "2099-01-01T00:00:00Z",
        "n": 1_800_000_000,
    }
    out = n(body)
    assert out["session_id"] == "<UUID-1>" and out["detail"] == "Session with id '<UUID-1>' already exists"
    assert out["other"] == "<UUID-2>" and out["known"] == body["known"]
    assert out["created_at"] == body["created_at"] and out["updated_at"] == NOW
    assert out["n"] == 1_800_000_000  # only created_at/updated_at integers are clock values
    assert n({"created_at": 1_800_000_000})["created_at"] == NOW
    assert list(out) == list(body)


def test_ties_keep_group_order():
    groups = {"a": "1", "b": "1", "c": "2"}
    body = {"data": [{"session_id": "b"}, {"session_id": "a"}, {"session_id": "c"}]}
    assert [x["session_id"] for x in canonicalize_ties(body, groups)["data"]] == ["a", "b", "c"]
    wrong = {"data": [{"session_id": "c"}, {"session_id": "a"}, {"session_id": "b"}]}
    assert diff_values(canonicalize_ties(body, groups), canonicalize_ties(wrong, groups))
