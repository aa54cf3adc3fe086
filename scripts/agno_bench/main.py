"""Load-test agno-session-aio against the real Agno AgentOS 3.1.10 on one fresh PostgreSQL database.

Main: argument parsing (the paragraph above, the first of scripts/bench.py's docstring, is --help's description;
that docstring holds the usage text) and the run: seed, start, check, load, report; `cli` is what
scripts/bench.py calls.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import shlex
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from devkit.pgbouncer import PgBouncer
from devkit.postgres import throwaway_database

from .cpu import CpuAccount, cpu_busy, find_postmaster, wait_quiet
from .errors import BenchError
from .load import Endpoint, IdSpace, LoadResult, endpoints, load, python_load
from .machine import check_requirements, machine_info
from .preflight import verify
from .profiling import profile_ours
from .rawpg import raw_pg_load, run_raw_pg
from .report import judge, print_table
from .seeding import Dataset, add_delete_pool, count_prefix, filter_user, seed
from .servers import Server, agentos_server, our_server
from .settings import NOISE_LIMIT, WARMUP_SECONDS


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--sessions", type=int, default=2000, help="sessions to seed")
    parser.add_argument("--runs", type=int, default=3, help="runs per session")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent connections / workers")
    parser.add_argument("--duration", type=int, default=8, help="seconds of load per endpoint per server")
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server DSN where the benchmark may CREATE and DROP a database")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--skip-agentos", action="store_true", help="benchmark only this service (and raw PG)")
    parser.add_argument("--through-pgbouncer", action="store_true",
                        help="this service through a PgBouncer in transaction mode started here, prepared statements "
                             "off (docs/scaling.md); AgentOS and the raw loop stay direct")
    parser.add_argument("--endpoints", default=",".join(e.name for e in endpoints()),
                        help="comma-separated subset of endpoints to load")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="after the measurements, py-spy our service under list/detail/runs; stacks go to DIR")
    parser.add_argument("--quiet-wait", type=int, default=0, metavar="SECONDS",
                        help="first wait up to this long for other work on the machine to stop (CPU < 15%% busy)")
    parser.add_argument("--retries", type=int, default=2,
                        help="repeat a run up to this many times when other work used >10%% of the machine meanwhile")
    parser.add_argument("--max-time", type=int, default=900, help="abort (and clean up) after this many seconds")
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.runs < 0 or args.concurrency < 1 or args.duration < 1:
        parser.error("--sessions, --concurrency and --duration must be positive, --runs non-negative")
    unknown = set(args.endpoints.split(",")) - {e.name for e in endpoints()}
    if unknown:
        parser.error(f"unknown endpoints {sorted(unknown)}")
    return args


def cpu_layout() -> tuple[set[int] | None, set[int] | None]:
    """Servers on the first usable CPU, the load generator on the rest; no pinning on a single CPU."""
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < 2:
        return None, None
    return {usable[0]}, set(usable[1:])


def raise_timeout(signum: int, frame: Any) -> None:
    raise BenchError("--max-time exceeded; cleaning up")


def raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def noisy(result: LoadResult, attempt: int, retries: int) -> bool:
    """Whether to repeat a run: other work took over NOISE_LIMIT of the machine and retries are left."""
    if result.foreign_cpu is None or result.foreign_cpu <= NOISE_LIMIT or attempt > retries:
        return False
    print(f" [other work used {result.foreign_cpu:.0%} of the machine; waiting for quiet, then again]",
          end="", flush=True)
    wait_quiet(60)
    return True


def least_disturbed(best: LoadResult | None, result: LoadResult) -> LoadResult:
    """Of two attempts, the one other work disturbed least (it keeps the count of attempts made)."""
    if best is None:
        return result
    kept = result if (result.foreign_cpu or 0.0) < (best.foreign_cpu or 0.0) else best
    kept.attempts = result.attempts
    return kept


def measure_one(args: argparse.Namespace, dsn: str, wrk: str | None, server: Server, endpoint: Endpoint,
                data: Dataset, results: dict[str, dict[str, LoadResult]], pool_checks: dict[str, list[dict[str, int]]],
                postmaster: int | None, client_cpus: set[int] | None, work_dir: Path) -> LoadResult:  # fmt: skip
    """Load one endpoint on one server (warm-up first for reads), repeating runs that other work disturbed."""
    print(f"  {endpoint.name:9} {server.label:17}", end="", flush=True)
    best: LoadResult | None = None
    for attempt in range(1, args.retries + 2):
        # Fresh ids per attempt: a repeated create or delete must not meet the previous attempt's rows.
        ids = IdSpace(existing=args.sessions, fresh_prefix=f"new-{server.name}-{attempt}-",
                      pool_prefix=f"del-{server.name}-{attempt}-")  # fmt: skip
        if endpoint.name == "delete":
            # Size the pool from this server's create rate (a delete costs about as much), with margin.
            create = results.get("create", {}).get(server.name)
            ids.pool_size = int(min(400_000, max(2000, (create.rps if create else 2000.0) * 3 * args.duration)))
            add_delete_pool(dsn, ids.pool_prefix, ids.pool_size, data)
        if endpoint.method == "GET":
            # Warm connection pools, caches and code paths; the writes come after the reads, already warm.
            load(wrk, server, endpoint, ids, args.concurrency, WARMUP_SECONDS, client_cpus, work_dir,
                 CpuAccount(dsn, server.pid, None))  # fmt: skip
        result = load(wrk, server, endpoint, ids, args.concurrency, args.duration, client_cpus, work_dir,
                      CpuAccount(dsn, server.pid, postmaster, server.pooler_pid))  # fmt: skip
        result.attempts = attempt
        best = least_disturbed(best, result)
        if not server.alive():
            raise BenchError(f"{server.label} died during {endpoint.name}:\n{server.log_tail()}")
        if endpoint.name == "delete":
            deleted = ids.pool_size - count_prefix(dsn, ids.pool_prefix)
            pool_checks.setdefault(server.name, []).append(
                {"attempt": attempt, "pool": ids.pool_size, "requests": result.requests, "deleted": deleted})
            if result.requests > deleted:
                result.note = f"pool exhausted: {result.requests - deleted} requests deleted nothing"
        if not noisy(result, attempt, args.retries):
            break
    assert best is not None
    result = best
    print(f"{result.rps:>9,.0f} req/s  p50 {result.p50_ms:7.2f} ms  p99 {result.p99_ms:7.2f} ms"
          f"  non-2xx {result.non_2xx}  socket errors {result.socket_errors}  other work {result.foreign_cpu}"
          + (f"  ({result.note})" if result.note else ""))
    return result


def measure_raw_pg(args: argparse.Namespace, dsn: str, mode: str, postmaster: int | None,
                   cpus: set[int] | None) -> LoadResult:  # fmt: skip
    """The raw PostgreSQL bound for one query pair, repeated like the HTTP runs when other work disturbed it."""
    print(f"  raw PG {mode:6}", end="", flush=True)
    best: LoadResult | None = None
    for attempt in range(1, args.retries + 2):
        with CpuAccount(dsn, None, postmaster) as meter:
            result = run_raw_pg(dsn, mode, args.sessions, concurrency=args.concurrency, duration=args.duration,
                                cpus=cpus)  # fmt: skip
            time.sleep(0.5)  # the loop's backends exit with it; the postmaster then books their CPU time
        result.foreign_cpu, result.attempts = meter.other_share, attempt
        result.cpu_ms_per_request = meter.per_request_ms(result.requests)
        best = least_disturbed(best, result)
        if not noisy(result, attempt, args.retries):
            break
    assert best is not None
    result = best
    print(f"{result.rps:>20,.0f} q/s    p50 {result.p50_ms:7.2f} ms  p99 {result.p99_ms:7.2f} ms"
          f"  errors {result.socket_errors}  other work {result.foreign_cpu}")
    return result


def measure(args: argparse.Namespace, dsn: str, wrk: str | None, chosen: list[Endpoint],
            server_cpus: set[int] | None, client_cpus: set[int] | None, work_dir: Path) -> dict[str, Any]:
    """Seed, start both servers, check them, load every endpoint on each, the raw PG loop; servers always stopped."""
    print(f"seeding {args.sessions} sessions x {args.runs} runs ...", flush=True)
    data = seed(dsn, args.sessions, args.runs)
    print(f"  seeded in {data.seconds}s ({data.db_size_mb} MB database, {data.users} users)")
    servers: list[Server] = []
    if not args.skip_agentos:
        servers.append(agentos_server(dsn, work_dir, server_cpus))
    # As many server sessions behind the pooler as the service's own pool has connections.
    bouncer = PgBouncer(args.dsn, pool_size=10).start() if args.through_pgbouncer else None
    if bouncer is not None:
        print(f"this service goes through PgBouncer in transaction mode on port {bouncer.port}")
        servers.append(our_server(bouncer.through(dsn), work_dir, server_cpus,
                                  extra_env={"AGNO_PG_PREPARED_STATEMENTS": "off"}))
        servers[-1].pooler_pid = bouncer.pid
    else:
        servers.append(our_server(dsn, work_dir, server_cpus))
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
            server.rss_idle_mb = server.rss_mb()
        totals = verify(servers, chosen)
        print(f"pre-flight: every endpoint answered 2xx on {', '.join(s.label for s in servers)}; totals {totals}")

        postmaster = find_postmaster(dsn)
        results: dict[str, dict[str, LoadResult]] = {}
        pool_checks: dict[str, list[dict[str, int]]] = {}

        def load_each(eps: list[Endpoint]) -> None:
            for endpoint in eps:
                for server in servers:
                    results.setdefault(endpoint.name, {})[server.name] = measure_one(
                        args, dsn, wrk, server, endpoint, data, results, pool_checks, postmaster, client_cpus,
                        work_dir)  # fmt: skip

        # Reads, the raw loop and the profile see the seeded table only; creates and delete pools grow it after.
        load_each([e for e in chosen if e.method == "GET"])
        raw_pg = {mode: measure_raw_pg(args, dsn, mode, postmaster, server_cpus) for mode in ("list", "detail")}
        profile = None
        if args.profile is not None:
            print(f"profiling {servers[-1].label} with py-spy into {args.profile} ...", flush=True)
            profile = profile_ours(wrk, servers[-1], chosen, IdSpace(existing=args.sessions), args.profile,
                                   concurrency=args.concurrency, duration=args.duration,
                                   client_cpus=client_cpus, work_dir=work_dir)  # fmt: skip
        load_each([e for e in chosen if e.method != "GET"])
        rss = {server.name: {"idle_mb": server.rss_idle_mb, "after_mb": server.rss_mb(),
                             "peak_mb": server.peak_rss_mb()} for server in servers}  # fmt: skip
    finally:
        # Before the database is dropped, so neither server sees its connections killed.
        for server in servers:
            server.stop()
        if bouncer is not None:
            bouncer.stop()
    return {"data": data, "totals": totals, "results": results, "raw_pg": raw_pg, "rss": rss,
            "pool_checks": pool_checks, "profile": profile}


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    wrk = check_requirements(not args.skip_agentos, args.profile is not None)
    signal.signal(signal.SIGALRM, raise_timeout)
    signal.signal(signal.SIGTERM, raise_interrupt)
    signal.alarm(args.max_time)
    started_at = datetime.datetime.now(datetime.timezone.utc)
    started = time.monotonic()
    server_cpus, client_cpus = cpu_layout()
    chosen = [e for e in endpoints(filter_user(args.sessions)) if e.name in args.endpoints.split(",")]
    work_dir = Path(tempfile.mkdtemp(prefix="agno-bench-"))
    busy_before = wait_quiet(args.quiet_wait)
    if busy_before > 0.15:
        print(f"bench: WARNING: the machine is {busy_before:.0%} busy with other work; figures will be noisy",
              file=sys.stderr)
    machine = machine_info(args.dsn, wrk)
    print(f"machine: {machine['nproc']} CPUs ({machine['cpu_model']}), Python {machine['python']}, "
          f"PostgreSQL {machine['postgresql']}; servers on CPU {server_cpus}, load generator on CPU {client_cpus}")
    try:
        with throwaway_database(args.dsn, prefix="agno_bench") as database:
            dsn = database.dsn
            measured = measure(args, dsn, wrk, chosen, server_cpus, client_cpus, work_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
        signal.alarm(0)
    busy_after = cpu_busy()
    data, results, raw_pg, rss = measured["data"], measured["results"], measured["raw_pg"], measured["rss"]
    pool_checks, profile = measured["pool_checks"], measured["profile"]

    rows: list[dict[str, Any]] = []
    for endpoint in chosen:
        by_server = results[endpoint.name]
        agentos, ours = by_server.get("agentos"), by_server["ours"]
        sample_path = endpoint.path.replace("{id}", "<id>")
        rows.append({
            "endpoint": endpoint.name, "request": f"{endpoint.method} {sample_path}",
            "agentos": asdict(agentos) if agentos else None, "ours": asdict(ours),
            "ratio": round(ours.rps / agentos.rps, 2) if agentos and agentos.rps else None,
        })  # fmt: skip
    print()
    table = print_table(rows, raw_pg)
    print("\nRSS (MB): " + "; ".join(
        f"{name}: idle {r['idle_mb']}, after load {r['after_mb']}, peak {r['peak_mb']}" for name, r in rss.items()))
    failed_requests = sum(r["ours"]["non_2xx"] + (r["agentos"] or {}).get("non_2xx", 0) for r in rows)
    if failed_requests:
        print(f"WARNING: {failed_requests} non-2xx responses during load (see the JSON for which)")
    verdicts = judge(rows, rss)
    print("\ntargets (docs/performance.md):")
    for name, verdict in verdicts.items():
        if "met" in verdict:
            figures = ", ".join(f"{k}={v}" for k, v in verdict.items() if k != "met")
            print(f"  {name}: {'met' if verdict['met'] else 'not met' if verdict['met'] is False else '-'} ({figures})")
    if profile:
        for name, summary in profile.items():
            print(f"\nprofile of ours under {name} ({summary['samples']} samples), top self time:")
            for entry in summary["self"][:10]:
                print(f"  {entry['pct']:5.1f}%  {entry['function']}")
    report = {
        "command_line": shlex.join(["python", "scripts/bench.py", *argv]),
        "started_at": started_at.isoformat(timespec="seconds"),
        "elapsed_s": round(time.monotonic() - started, 1),
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": machine,
        # CPU share used by other work just before and just after the run (our processes not running).
        "background_cpu_busy": {"before": busy_before, "after": busy_after, "loadavg_after": os.getloadavg()},
        "pinning": {"servers": sorted(server_cpus or []), "load_generator": sorted(client_cpus or []),
                    "postgresql": "not pinned"},
        "load_generator": machine["wrk"] or "aiohttp (wrk not installed)",
        "seeding": asdict(data),
        "results": rows,
        "raw_pg": {mode: asdict(result) for mode, result in raw_pg.items()},
        "rss_mb": rss,
        "delete_pool": pool_checks,
        "targets": verdicts,
        "profile": profile,
        "table": table,
    }  # fmt: skip
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nresults written to {args.json}")
    print(f"total {report['elapsed_s']}s")
    return 0


def cli() -> None:
    """The command line of scripts/bench.py; exits with the run's status."""
    if len(sys.argv) == 3 and sys.argv[1] in ("_load", "_rawpg"):
        # Internal: one load run in a child process, result as one JSON line on stdout.
        job_spec = json.loads(sys.argv[2])
        runner = python_load if sys.argv[1] == "_load" else raw_pg_load
        print(json.dumps(asyncio.run(runner(job_spec))))
        sys.exit(0)
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as error:
        sys.exit(f"bench: {error}")
    except KeyboardInterrupt:
        sys.exit("bench: interrupted; servers stopped and database dropped")
