"""agno 2.x's legacy `runs` column, merged with the runs table as AgentOS 3.1.10 merges it
(docs/contract.md §2.6; the details in docs/legacy-runs-notes.md §1).

A session agno 2.x wrote keeps its runs in a JSONB array on the session row; 3.x writes them to agno_runs
and leaves the array in place. The merge: the array's runs in stored order, each replaced by the runs
table's version of the same run_id; then the runs only the table has, in table order.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson

logger = logging.getLogger(__name__)


def merged_runs(table_runs: list[Any], blob: Any) -> list[Any]:
    """The runs AgentOS shows for a session whose legacy column holds `blob` (None: no column, or NULL)."""
    if not blob:
        return table_runs
    if isinstance(blob, str):
        try:
            blob = orjson.loads(blob)
        except orjson.JSONDecodeError:
            logger.warning("ignored a legacy runs column that is not JSON")
            return table_runs
        if not blob:
            return table_runs
    if not isinstance(blob, (list, dict, str)):
        # AgentOS fails on a number here (500); the stored runs are still worth showing.
        return table_runs
    # A dict or a string iterates as keys or characters, none of which is a run: only the table's runs stay.
    legacy = [item for item in blob if isinstance(item, dict)] if isinstance(blob, list) else []
    by_id = {run["run_id"]: run for run in table_runs if isinstance(run, dict) and _key(run) is not None}
    merged: list[Any] = []
    seen: set[Any] = set()
    for item in legacy:
        run_id = _key(item)
        if run_id is None:
            continue
        seen.add(run_id)
        merged.append(by_id.get(run_id, item))
    merged.extend(run for run in table_runs if isinstance(run, dict) and _key(run) is not None
                  and _key(run) not in seen)
    return merged


def _key(run: dict[str, Any]) -> Any:
    """The run_id to match on; None when it is missing or cannot be a key."""
    run_id = run.get("run_id")
    return run_id if isinstance(run_id, (str, int, float, bool)) else None
