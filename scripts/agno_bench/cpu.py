"""CPU accounting: this benchmark shares the machine, and other work on it skews every figure."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path
from typing import Any


def machine_ticks() -> dict[str, int]:
    """CPU ticks of the whole machine since boot, from the first line of /proc/stat."""
    names = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    ticks = dict(zip(names, values))
    ticks["busy"] = sum(values) - ticks["idle"] - ticks["iowait"]
    ticks["total"] = sum(values)
    return ticks


def cpu_busy(seconds: float = 1.0) -> float:
    """Share of the machine busy over `seconds`."""
    before = machine_ticks()
    time.sleep(seconds)
    after = machine_ticks()
    return round((after["busy"] - before["busy"]) / max(after["total"] - before["total"], 1), 3)


def wait_quiet(limit: float, threshold: float = 0.15) -> float:
    """Wait up to `limit` seconds for the machine to fall below `threshold` busy; return the last reading."""
    deadline = time.monotonic() + limit
    busy = cpu_busy()
    while busy > threshold and time.monotonic() < deadline:
        busy = cpu_busy(2.0)
    return busy


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the "(comm)" field: [state, ppid, ..., utime (11), stime (12), ...]."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def proc_ticks(pid: int) -> int | None:
    """User + system CPU ticks of a live process, all its threads included."""
    fields = _stat_fields(pid)
    return int(fields[11]) + int(fields[12]) if fields else None


def children_of(ppid: int) -> list[int]:
    """Live processes whose parent is `ppid` (PostgreSQL's backends and workers are the postmaster's)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and int(fields[1]) == ppid:
                found.append(int(entry.name))
    return found


class CpuAccount:
    """Where the machine's CPU went while a load ran, in seconds:

    * server: the server process (all its threads);
    * postgres: PostgreSQL's processes, except live backends of other databases;
    * load_generator: this process and its waited children (wrk, the load and raw-PG processes);
    * kernel: kernel threads plus interrupt and softirq time, mostly our own network and disk traffic;
    * steal: time the hypervisor gave to other guests;
    * other: the rest of the busy time, i.e. other programs on this machine.

    `other_share` is (other + steal) as a fraction of the whole machine: capacity the run did not have. Without
    a local postmaster (PostgreSQL elsewhere) only the server and the load generator are known."""

    def __init__(self, dsn: str, server_pid: int | None, postmaster: int | None, pooler_pid: int | None = None) -> None:
        self.dsn = dsn
        self.server_pid = server_pid
        # A PgBouncer between the server and PostgreSQL (--through-pgbouncer): its own line, not "other".
        self.pooler_pid = pooler_pid
        self.postmaster = postmaster
        self.seconds: dict[str, float] = {}
        self.other_share: float | None = None

    def _postgres_pids(self) -> list[int]:
        import psycopg

        if self.postmaster is None:
            return []
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            others = {row[0] for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname IS NOT NULL AND datname <> current_database()")}
        return [pid for pid in children_of(self.postmaster) if pid not in others]

    def _snapshot(self) -> dict[str, Any]:
        usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
        # The postmaster's own time plus that of its exited children: a backend that ends during the run (AgentOS's
        # SQLAlchemy pool closes overflow connections as it returns them) adds its whole life there when it exits.
        postmaster = _stat_fields(self.postmaster) if self.postmaster else None
        return {
            "at": time.monotonic(),
            "machine": machine_ticks(),
            "generator": sum(u.ru_utime + u.ru_stime for u in usage),
            "server": proc_ticks(self.server_pid) if self.server_pid else None,
            "pooler": proc_ticks(self.pooler_pid) if self.pooler_pid else None,
            "backends": {pid: t for pid in self._postgres_pids() if (t := proc_ticks(pid)) is not None},
            "postmaster": sum(int(x) for x in postmaster[11:15]) if postmaster else 0,  # utime stime cutime cstime
            "kthreads": sum(proc_ticks(pid) or 0 for pid in children_of(2)),  # kthreadd's children
        }

    def __enter__(self) -> CpuAccount:
        self._before = self._snapshot()
        return self

    def __exit__(self, *exc: object) -> None:
        before, after = self._before, self._snapshot()
        hz = os.sysconf("SC_CLK_TCK")

        def machine(key: str) -> float:
            return (after["machine"][key] - before["machine"][key]) / hz

        seconds = {"load_generator": after["generator"] - before["generator"]}
        if before["server"] is not None and after["server"] is not None:
            seconds["server"] = (after["server"] - before["server"]) / hz
        if before["pooler"] is not None and after["pooler"] is not None:
            seconds["pooler"] = (after["pooler"] - before["pooler"]) / hz
        if self.postmaster is not None:
            # Live backends: their growth (all of it if they started during the run). Ended ones: their whole life
            # arrived in the postmaster's children time, minus what they had already used before the run.
            pg0, pg1 = before["backends"], after["backends"]
            ended_early = sum(t for pid, t in pg0.items() if pid not in pg1)
            live = sum(t - pg0.get(pid, 0) for pid, t in pg1.items())
            seconds["postgres"] = (live + after["postmaster"] - before["postmaster"] - ended_early) / hz
            seconds["kernel"] = (after["kthreads"] - before["kthreads"]) / hz + machine("irq") + machine("softirq")
            seconds["steal"] = machine("steal")
            seconds["other"] = max(0.0, machine("busy") - sum(seconds.values()))
            capacity = max((after["at"] - before["at"]) * (os.cpu_count() or 1), 1e-9)
            self.other_share = round((seconds["other"] + seconds["steal"]) / capacity, 3)
        self.seconds = {key: round(value, 2) for key, value in seconds.items()}

    def per_request_ms(self, requests: int) -> dict[str, float]:
        """CPU milliseconds per completed request, by consumer."""
        return {key: round(1000 * value / requests, 3) for key, value in self.seconds.items()} if requests else {}


def find_postmaster(dsn: str) -> int | None:
    """The local postmaster's pid (the parent of our backend), or None for a PostgreSQL elsewhere."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        fields = _stat_fields(backend)
        return int(fields[1]) if fields else None
