# agno-session-aio: the /sessions REST API of Agno AgentOS on aiohttp + PostgreSQL.
#   docker build -t agno-session-aio .
#   docker run -p 8080:8080 -e AGNO_PG_DSN=postgresql://ai:ai@db:5432/ai agno-session-aio
# The image has no embedded PostgreSQL: AGNO_PG_DSN, DATABASE_URL or AGNO_SESSION_DSN_MAP is required.

# Bump the patch release here only; both stages must share one interpreter, since the venv links to it.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
# Behind a package proxy or mirror (builder stage only: nothing of it reaches the final image):
#   docker build --build-arg PIP_INDEX_URL=https://pypi.example.com/simple \
#                --build-arg PIP_CA_PEM="$(cat corp-ca.pem)" -t agno-session-aio .
ARG PIP_INDEX_URL=""
ARG PIP_EXTRA_INDEX_URL=""
ARG PIP_TRUSTED_HOST=""
ARG PIP_CA_PEM=""
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# Only what the build backend needs (see .dockerignore); dependencies come from pyproject.toml.
COPY pyproject.toml README.md ./
COPY agno_session_aio ./agno_session_aio
# Wheels for the project and every dependency it declares, installed into a venv the final stage copies;
# pip and setuptools then leave the venv (nothing at run time uses them).
RUN if [ -n "$PIP_CA_PEM" ]; then printf '%s\n' "$PIP_CA_PEM" > /tmp/pip-ca.pem && export PIP_CERT=/tmp/pip-ca.pem; fi \
    && export PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST \
    && if [ -z "$PIP_INDEX_URL" ]; then unset PIP_INDEX_URL; fi \
    && if [ -z "$PIP_EXTRA_INDEX_URL" ]; then unset PIP_EXTRA_INDEX_URL; fi \
    && if [ -z "$PIP_TRUSTED_HOST" ]; then unset PIP_TRUSTED_HOST; fi \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip wheel --no-cache-dir --wheel-dir /wheels . \
    && /opt/venv/bin/pip install --no-cache-dir /wheels/*.whl \
    && /opt/venv/bin/python -m pip uninstall --yes --quiet pip setuptools \
    && rm -f /tmp/pip-ca.pem

FROM ${PYTHON_IMAGE}
ARG PYTHON_IMAGE
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="agno-session-aio" \
      org.opencontainers.image.description="Agno AgentOS /sessions REST API on aiohttp and PostgreSQL" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/${PYTHON_IMAGE}"

# A numeric UID lets Kubernetes verify runAsNonRoot without looking the name up.
RUN groupadd --system --gid 10001 agno \
    && useradd --system --uid 10001 --gid agno --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin agno

COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    AGNO_SERVICE_PORT=8080

USER 10001:10001
EXPOSE 8080

# Slim images have no curl; urlopen raises (exit 1) on a refused connection or a non-2xx status.
# Every 5 s, so the container turns healthy within 5 s of serving (a probe costs about 30 ms of CPU).
# Not --start-interval: engines before Docker 25 (Debian bookworm's 20.10) refuse the whole Dockerfile.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('AGNO_SERVICE_PORT', '8080'), timeout=3)"]

# Exec form: python is PID 1 and receives SIGTERM, so aiohttp runs its cleanup contexts.
CMD ["python", "-m", "agno_session_aio"]
