"""Report: the results as fixed-width tables, and the project's performance targets judged."""

from __future__ import annotations

from typing import Any, Sequence

from .load import LoadResult
from .settings import RATIO_AIM, RATIO_FLOOR, READ_ENDPOINTS, SERVICE_CPU_BUDGET_MS, WRITE_ENDPOINTS


def fmt_rps(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else (f"{value:.1f}" if value >= 10 else f"{value:.2f}")


def print_table(rows: list[dict[str, Any]], raw_pg: dict[str, LoadResult]) -> str:
    """The results as a fixed-width table; returned too, for the log."""
    header = ("endpoint", "AgentOS req/s", "p50 ms", "p99 ms", "ours req/s", "p50 ms", "p99 ms", "ours/AgentOS")
    lines = []
    for row in rows:
        a, o = row.get("agentos"), row["ours"]
        lines.append((
            row["endpoint"], fmt_rps(a and a["rps"]), fmt_ms(a and a["p50_ms"]), fmt_ms(a and a["p99_ms"]),
            fmt_rps(o["rps"]), fmt_ms(o["p50_ms"]), fmt_ms(o["p99_ms"]),
            f"{row['ratio']:.1f}x" if row.get("ratio") else "-",
        ))  # fmt: skip
    for mode, result in raw_pg.items():
        lines.append((f"raw PG {mode}", "", "", "", fmt_rps(result.rps), fmt_ms(result.p50_ms),
                      fmt_ms(result.p99_ms), ""))  # fmt: skip
    cpu_header = ("CPU ms/request", "AgentOS", "its PG", "its load gen", "ours (raw: client)", "our PG",
                  "our load gen", "other work (machine share)")  # fmt: skip
    cpu_lines = []
    for row in rows:
        a, o = row.get("agentos") or {}, row["ours"]
        a_cpu, o_cpu = a.get("cpu_ms_per_request", {}), o.get("cpu_ms_per_request", {})
        cpu_lines.append((row["endpoint"], fmt_ms(a_cpu.get("server")), fmt_ms(a_cpu.get("postgres")),
                          fmt_ms(a_cpu.get("load_generator")), fmt_ms(o_cpu.get("server")),
                          fmt_ms(o_cpu.get("postgres")), fmt_ms(o_cpu.get("load_generator")),
                          f"{a.get('foreign_cpu', '-')} / {o.get('foreign_cpu', '-')}"))  # fmt: skip
    for mode, result in raw_pg.items():
        cpu = result.cpu_ms_per_request
        cpu_lines.append((f"raw PG {mode}", "", "", "", fmt_ms(cpu.get("load_generator")), fmt_ms(cpu.get("postgres")),
                          "", f"- / {result.foreign_cpu}"))  # fmt: skip
    text = fixed_width(header, lines) + "\n\n" + fixed_width(cpu_header, cpu_lines)
    print(text)
    return text


def fixed_width(header: Sequence[str], lines: Sequence[Sequence[Any]]) -> str:
    """A text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines)]

    def row(cells: Sequence[Any]) -> str:
        return " | ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([row(header), "-+-".join("-" * w for w in widths), *(row(line) for line in lines)])


def judge(rows: list[dict[str, Any]], rss: dict[str, Any]) -> dict[str, Any]:
    """The project's performance targets, each with the figures it was judged on."""
    by_name = {row["endpoint"]: row for row in rows}
    verdicts: dict[str, Any] = {}
    for name in READ_ENDPOINTS:
        ratio = by_name.get(name, {}).get("ratio")
        verdicts[f"{name}_ratio"] = {"ratio": ratio, "floor": RATIO_FLOOR, "aim": RATIO_AIM,
                                     "met": None if ratio is None else ratio >= RATIO_FLOOR}
    for name in WRITE_ENDPOINTS:
        ratio = by_name.get(name, {}).get("ratio")
        verdicts[f"{name}_ratio"] = {"ratio": ratio, "aim": RATIO_AIM,
                                     "met": None if ratio is None else ratio >= RATIO_AIM}
    for name, budget in SERVICE_CPU_BUDGET_MS.items():
        spent = by_name.get(name, {}).get("ours", {}).get("cpu_ms_per_request", {}).get("server")
        verdicts[f"{name}_service_cpu"] = {"ms_per_request": spent, "budget_ms": budget,
                                           "met": None if spent is None else spent <= budget}
    p99_vs_p50 = {}
    for row in rows:
        if row.get("agentos"):
            ours_p99, agentos_p50 = row["ours"]["p99_ms"], row["agentos"]["p50_ms"]
            p99_vs_p50[row["endpoint"]] = {"ours_p99_ms": ours_p99, "agentos_p50_ms": agentos_p50,
                                           "met": ours_p99 < agentos_p50}
    verdicts["ours_p99_below_agentos_p50"] = p99_vs_p50
    peak = rss.get("ours", {}).get("peak_mb")
    verdicts["ours_rss_below_100mb"] = {"peak_mb": peak, "met": None if peak is None else peak < 100}
    return verdicts
