"""Pure logic, without PostgreSQL or agno: request parsing, write planning, derived names, JSON at depth."""

from __future__ import annotations

from typing import Any

import pytest
from multidict import MultiDict

from agno_session_aio import deepjson, jsonutil, params, render, rules, writes
from agno_session_aio.errors import BadRequest, ValidationFailed
from agno_session_aio.records import NameSource


def _errors(call: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    detail = caught.value.detail
    assert isinstance(detail, list)
    return detail


def test_list_parameters_default_and_fail_in_declaration_order() -> None:
    listing = params.parse_list(MultiDict())
    assert (listing.query.limit, listing.query.page, listing.query.sort_order) == (20, 1, "desc")
    entries = _errors(lambda: params.parse_list(MultiDict({"sort_order": "ASC", "type": "bogus", "limit": "x"})))
    assert [(entry["type"], entry["loc"][-1]) for entry in entries] == [
        ("enum", "type"), ("int_parsing", "limit"), ("enum", "sort_order")]


def test_bulk_delete_checks_the_query_first_then_the_body_then_the_lengths() -> None:
    entries = _errors(lambda: params.parse_bulk_delete(MultiDict({"delete_media": "maybe"}), {"session_ids": "x"}))
    assert [entry["loc"] for entry in entries][:2] == [["query", "delete_media"], ["body", "session_ids"]]
    with pytest.raises(BadRequest, match="same length"):
        params.parse_bulk_delete(MultiDict(), {"session_ids": ["a", "b"], "session_types": ["agent"]})


def test_run_statuses_are_upper_cased_and_unknown_ones_refused() -> None:
    runs = params.parse_runs(MultiDict([("status", "completed"), ("status", "ERROR")]))
    assert runs.statuses == frozenset({"COMPLETED", "ERROR"})
    with pytest.raises(BadRequest, match=r"Invalid status value\(s\) \['DONE'\]"):
        params.parse_runs(MultiDict({"status": "done"}))


def _update(**fields: Any) -> params.UpdateParams:
    values: dict[str, Any] = {"session_type": None, "scope": params.Scope(user_id=None, db_id=None, table=None),
                              "session_name": None, "session_state": None, "metadata": None, "summary": None}
    return params.UpdateParams(**{**values, **fields})


def test_a_patch_plan_merges_as_agno_and_a_workflow_save_clears_the_summary() -> None:
    row = {"session_data": {"session_name": "old", "session_state": {"a": 1}, "x": 2}, "metadata": {"m": 1},
           "summary": {"summary": "kept"}, "agent_data": {"name": "A"}, "agent_id": "a1",
           "workflow_data": None, "workflow_id": None}
    plan = writes.patched_columns(_update(session_state={"b": 2}), "agent", row, None)
    assert plan.session_data == {"session_name": "old", "session_state": {"b": 2}, "x": 2}
    assert (plan.summary, plan.component_id, plan.metadata) == ({"summary": "kept"}, "a1", {"m": 1})
    as_workflow = writes.patched_columns(_update(session_name="new"), "workflow", row, {"summary": "ignored"})
    assert as_workflow.summary is None and as_workflow.component_data == {}


def test_new_sessions_hold_json_null_or_empty_objects_as_agno_writes_them() -> None:
    create = params.parse_create(MultiDict({"type": "workflow"}), {"session_id": "w", "workflow_id": "wf"})
    columns = writes.new_session_columns(create, "w", create.user_id)
    assert (columns["session_data"], columns["workflow_data"], columns["metadata"]) == ({}, {}, {})
    agent = writes.new_session_columns(params.parse_create(MultiDict(), {"agent_id": "a"}), "a-1", None)
    assert (agent["session_data"], agent["agent_data"], agent["metadata"], agent["agent_id"]) == (None, None, None, "a")


@pytest.mark.parametrize(("session_type", "runs", "name"), [
    ("agent", [NameSource(False, None, None), NameSource(False, {"input_content": "q"}, "hello")], "hello"),
    ("agent", [NameSource(False, "plain", None)], "plain"),
    ("team", [NameSource(True, None, "member"), NameSource(False, None, "team")], "team"),
    ("workflow", [NameSource(False, {"topic": "x"}, None)], '{"topic": "x"}'),
    ("workflow", [NameSource(False, None, None)], "New Flow Session"),
    ("workflow", [], ""),
])
def test_derived_session_names(session_type: str, runs: list[NameSource], name: str) -> None:
    assert rules.derive_session_name(session_type, None, "Flow", runs) == name
    assert rules.derive_session_name(session_type, "stored", "Flow", runs) == "stored"


def test_page_meta_rounds_the_page_count_up() -> None:
    query = params.parse_list(MultiDict({"limit": "3", "page": "2"})).query
    assert render.page_meta(query, 7) == {"page": 2, "limit": 3, "total_pages": 3, "total_count": 7,
                                          "search_time_ms": 0.0}


def test_json_of_any_depth_round_trips_and_matches_the_stdlib_where_it_can() -> None:
    value: Any = 1
    for level in range(5000):
        value = {"k": value} if level % 2 else [value]
    text = jsonutil.dumps(value)
    assert deepjson.dumps(jsonutil.loads(text)).encode() == text
    shallow = {"a": [1, 2.5, None, True, "é"], "b": {}}
    assert jsonutil.python_dumps(shallow, indent=2) == deepjson.dumps(shallow, indent=2, separators=(",", ": "))


def test_legacy_runs_merge_as_agnos_merge() -> None:
    """store.legacy against agno's own merge_runs_table_with_legacy_blob, over odd blobs too."""
    import json

    from agno.db.utils import merge_runs_table_with_legacy_blob

    from agno_session_aio.store import legacy

    a, b, c = {"run_id": "a", "v": "table"}, {"run_id": "b", "v": "table"}, {"run_id": "c", "v": "table"}
    stale_a, only_x = {"run_id": "a", "v": "legacy"}, {"run_id": "x", "v": "legacy"}
    blobs: list[Any] = [None, [], {}, "", [stale_a], [only_x, stale_a], [stale_a, stale_a], json.dumps([only_x]),
                        "not json", '"[]"', {"run_id": "a"}, [1, "s", {"no": "id"}, {"run_id": None}, only_x],
                        [{"run_id": 0}, {"run_id": ""}], json.dumps([]), "[]"]
    for table_runs in ([], [a], [a, b, c], [c, a]):
        for blob in blobs:
            expected = [run for run in merge_runs_table_with_legacy_blob(table_runs, blob) if isinstance(run, dict)]
            got = [run for run in legacy.merged_runs(table_runs, blob) if isinstance(run, dict)]
            assert got == expected, (table_runs, blob)
    # where agno raises (a number), the table's runs still show
    assert legacy.merged_runs([a], 5) == [a] and legacy.merged_runs([a], "7") == [a]
