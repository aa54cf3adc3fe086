"""Structural comparison of two observed HTTP answers (and two DB dumps), as readable differences."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple

#: response headers whose values are part of the contract
COMPARED_HEADERS = ("content-type", "allow")

MISSING = object()

#: keys of a top-level object whose values are themselves top-level schema objects (key order)
TOP_LEVEL_KEYS = ("data", "meta", "detail")


@dataclass
class Observed:
    """One HTTP answer, already normalised."""

    method: str
    path: str
    status: int
    headers: Dict[str, str]
    raw: bytes
    body: Any = None  # parsed JSON, or None
    is_json: bool = False
    compact: Optional[bool] = None  # raw bytes == compact UTF-8 re-serialisation of body

    def short(self, limit: int = 600) -> str:
        text = self.raw.decode("utf-8", "replace")
        if self.is_json:
            text = json.dumps(self.body, ensure_ascii=False, separators=(",", ":"))
        if len(text) > limit:
            text = text[:limit] + f"...(+{len(text) - limit} chars)"
        return f"{self.status} {text}"


@dataclass
class Difference:
    kind: str  # status | body | order | header | encoding | db
    where: str
    agentos: Any = None
    ours: Any = None

    def render(self) -> str:
        def fmt(v: Any) -> str:
            if v is MISSING:
                return "<absent>"
            text = json.dumps(v, ensure_ascii=False, separators=(",", ":"), default=str)
            return text if len(text) <= 300 else text[:300] + f"...(+{len(text) - 300} chars)"

        return f"[{self.kind}] {self.where}: agentos={fmt(self.agentos)} ours={fmt(self.ours)}"


def _fmt_path(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if isinstance(key, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def diff_values(a: Any, b: Any, path: str = "$", kind: str = "body") -> List[Difference]:
    """Differences between two JSON values (bool and int kept apart, 1 != 1.0 != True)."""
    out: List[Difference] = []
    if isinstance(a, dict) and isinstance(b, dict):
        for key in a:
            if key not in b:
                out.append(Difference(kind, _fmt_path(path, key), a[key], MISSING))
            else:
                out.extend(diff_values(a[key], b[key], _fmt_path(path, key), kind))
        for key in b:
            if key not in a:
                out.append(Difference(kind, _fmt_path(path, key), MISSING, b[key]))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            # name the items by id where possible, that reads better than an index shift
            out.append(Difference(kind, f"{path} (length)", len(a), len(b)))
            ids_a, ids_b = _ids(a), _ids(b)
            if ids_a is not None and ids_b is not None and ids_a != ids_b:
                out.append(Difference(kind, f"{path} (ids)", ids_a, ids_b))
                return out
        for i, (x, y) in enumerate(zip(a, b)):
            out.extend(diff_values(x, y, _fmt_path(path, i), kind))
        return out
    if type(a) is not type(b) or a != b:
        out.append(Difference(kind, path, a, b))
    return out


def _ids(items: List[Any]) -> Optional[List[Any]]:
    for key in ("session_id", "run_id", "id"):
        if items and all(isinstance(x, dict) and key in x for x in items):
            return [x[key] for x in items]
    return None


def diff_order(a: Any, b: Any, path: str = "$", depth: int = 0, max_depth: Optional[int] = None) -> List[Difference]:
    """Key-order differences of objects that have the same key set on both sides."""
    out: List[Difference] = []
    if isinstance(a, dict) and isinstance(b, dict):
        if (max_depth is None or depth <= max_depth) and set(a) == set(b) and list(a) != list(b):
            out.append(Difference("order", path, list(a), list(b)))
        for key in a:
            if key in b:
                # the envelope's data/meta/detail hold schema objects: they count as top level
                child = depth if depth == 0 and key in TOP_LEVEL_KEYS else depth + 1
                out.extend(diff_order(a[key], b[key], _fmt_path(path, key), child, max_depth))
    elif isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            # list items count as the same depth as the list (so `data[i]` is a top-level item)
            out.extend(diff_order(x, y, _fmt_path(path, i), depth, max_depth))
    return out


def diff_observed(a: Observed, b: Observed, order_depth: Optional[int]) -> List[Difference]:
    out: List[Difference] = []
    if a.status != b.status:
        out.append(Difference("status", "status", a.status, b.status))
    if a.is_json and b.is_json:
        out.extend(diff_values(a.body, b.body))
        out.extend(diff_order(a.body, b.body, max_depth=order_depth))
        if a.compact != b.compact:
            out.append(Difference("encoding", "compact UTF-8 JSON", a.compact, b.compact))
    elif a.raw != b.raw:
        out.append(
            Difference("body", "raw body", a.raw.decode("utf-8", "replace")[:300], b.raw.decode("utf-8", "replace")[:300])
        )
    for name in COMPARED_HEADERS:
        va, vb = a.headers.get(name, MISSING), b.headers.get(name, MISSING)
        if va != vb:
            out.append(Difference("header", name, va, vb))
    return out


def canonicalize_ties(body: Any, groups: Dict[str, str]) -> Any:
    """Sort ``body["data"]`` by session_id *within* runs of consecutive items whose sort key ties.

    The order of tie groups is kept, so a wrong sort still shows; only the order among equal keys
    (unspecified in the contract, there is no tie-breaker) is made canonical.
    """
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return body
    items = body["data"]
    out: List[Any] = []
    i = 0
    while i < len(items):
        key = groups.get(items[i].get("session_id"), object()) if isinstance(items[i], dict) else object()
        j = i + 1
        while j < len(items) and isinstance(items[j], dict) and groups.get(items[j].get("session_id"), object()) == key:
            j += 1
        out.extend(sorted(items[i:j], key=lambda x: str(x.get("session_id")) if isinstance(x, dict) else ""))
        i = j
    return {**body, "data": out}


def sort_all_data(body: Any) -> Any:
    """For requests without a defined order (unknown sort_by): compare ``data`` as a set."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return body
    return {**body, "data": sorted(body["data"], key=lambda x: str(x.get("session_id")) if isinstance(x, dict) else "")}


@dataclass
class StepResult:
    step_id: str
    description: str
    requests: List[str] = field(default_factory=list)
    agentos: List[Observed] = field(default_factory=list)
    ours: List[Observed] = field(default_factory=list)
    differences: List[List[Difference]] = field(default_factory=list)  # per request
    db_differences: List[Difference] = field(default_factory=list)
    known: Optional[str] = None
    exempt: Set[int] = field(default_factory=set)  # requests covered by a known difference
    known_failures: List[str] = field(default_factory=list)

    @property
    def unexpected(self) -> List[Tuple[int, Difference]]:
        return [(i, d) for i, diffs in enumerate(self.differences) if i not in self.exempt for d in diffs]

    @property
    def failed(self) -> bool:
        return bool(self.known_failures) or bool(self.unexpected) or bool(self.db_differences)

    def render(self) -> str:
        lines = [f"### {self.step_id}: {self.description}"]
        for i, req in enumerate(self.requests):
            diffs = self.differences[i] if i < len(self.differences) else []
            if not diffs and not (i in self.exempt and self.known_failures):
                continue
            if i in self.exempt:
                diffs = []  # expected to differ; see the known-difference line below
            lines.append(f"- request {i}: `{req}`")
            if i < len(self.agentos):
                lines.append(f"  - AgentOS: `{self.agentos[i].short()}`")
            if i < len(self.ours):
                lines.append(f"  - ours:    `{self.ours[i].short()}`")
            for d in diffs:
                lines.append(f"  - {d.render()}")
        if self.db_differences:
            lines.append("- database state after the step differs:")
            for d in self.db_differences[:40]:
                lines.append(f"  - {d.render()}")
            if len(self.db_differences) > 40:
                lines.append(f"  - ... {len(self.db_differences) - 40} more")
        if self.known:
            lines.append(f"- known difference: {self.known}")
            for f in self.known_failures:
                lines.append(f"  - NOT MET: {f}")
        return "\n".join(lines)
