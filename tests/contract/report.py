"""The markdown mismatch report written at the end of a contract run."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Dict, List

from .compare import StepResult


def write_report(results: List[StepResult], path: Path, self_check: bool, title: str = "") -> Dict[str, object]:
    failed = [r for r in results if r.failed]
    known = [r for r in results if r.known]
    kinds: Counter = Counter()
    for r in failed:
        for _, d in r.unexpected:
            kinds[d.kind] += 1
        kinds["db"] += len(r.db_differences)
        kinds["known-not-met"] += len(r.known_failures)
    lines = [
        "# Contract report: AgentOS 3.1.10 vs " + ("AgentOS (self-check)" if self_check else "agno_session_aio")
        + (f", {title}" if title else ""),
        "",
        f"- steps run: {len(results)}",
        f"- steps with mismatches: {len(failed)}",
        f"- known differences: {len(known)} ({sum(1 for r in known if r.known_failures)} not met)",
        "- differences by kind: " + (", ".join(f"{k}={v}" for k, v in sorted(kinds.items()) if v) or "none"),
        "",
        "## Mismatches",
        "",
    ]
    for r in failed:
        lines.append(r.render())
        lines.append("")
    lines.append("## Known differences (met)")
    lines.append("")
    for r in known:
        if not r.known_failures:
            lines.append(f"- {r.step_id}: {r.known}")
            for i in sorted(r.exempt):
                if i < len(r.agentos) and i < len(r.ours):
                    lines.append(f"  - AgentOS `{r.agentos[i].short(200)}` / ours `{r.ours[i].short(200)}`")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"steps": len(results), "failed": len(failed), "known": len(known), "path": str(path)}
