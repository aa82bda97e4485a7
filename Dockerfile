# Kassa's image: one image for the API (`serve`, the default), webhook consumers
# (`webhooks consume`), migrations (`db migrate`) and every other `kassa` command.
# Configured only by KASSA_* variables (SPEC §11); logs JSON lines on stdout.
#
# The base is any Debian-bookworm image with Python 3.11 and venv: python:3.11-slim-bookworm
# by default, or Debian's own python3 (scripts/container-setup makes one where Docker Hub
# is out of reach). Every stage uses it, so the virtualenv's interpreter path holds.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# The dependencies: rebuilt only when uv.lock changes, and one layer of the final image that
# a new Kassa version leaves alone.
FROM ${PYTHON_IMAGE} AS deps
ARG UV_VERSION=0.13.9
# Behind a TLS-intercepting proxy, hand its CA bundle in as the secret `ca_bundle`
# (`--secret id=ca_bundle,src=/etc/ssl/certs/ca-certificates.crt`, as scripts/podman does):
# used to download, never stored in a layer.
ARG CA=/run/secrets/ca_bundle
ENV UV_PYTHON=python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends binutils \
    >/dev/null
RUN --mount=type=secret,id=ca_bundle \
    if [ -s "$CA" ]; then export SSL_CERT_FILE="$CA" PIP_CERT="$CA"; fi; \
    python3 -m venv /opt/uv && /opt/uv/bin/pip install --quiet "uv==${UV_VERSION}"
WORKDIR /src
COPY pyproject.toml uv.lock ./
RUN --mount=type=secret,id=ca_bundle \
    if [ -s "$CA" ]; then export SSL_CERT_FILE="$CA"; fi; \
    /opt/uv/bin/uv sync --frozen --no-dev --no-install-project --no-editable
# Slimmer and test-free: no debug symbols in extension modules (uvloop's 13 MB become 2),
# no Cython sources they were compiled from (dependency-injector ships 12 MB of them), no
# test suites that some packages ship in their wheels.
RUN find /app/.venv -name '*.so' -exec strip --strip-unneeded {} + \
    && find /app/.venv -type f \( -name '*.c' -o -name '*.pyx' -o -name '*.pxd' \) -delete \
    && find /app/.venv -depth -type d \( -name tests -o -name _tests \) -exec rm -rf {} +

# Kassa itself, installed as a wheel; its files (as its RECORD lists them, with their
# bytecode) are gathered under /kassa, the second and small layer of the final image.
FROM deps AS build
ARG CA=/run/secrets/ca_bundle
COPY README.md ./
COPY domain ./domain
COPY application ./application
COPY adapters ./adapters
COPY entrypoints ./entrypoints
RUN --mount=type=secret,id=ca_bundle \
    if [ -s "$CA" ]; then export SSL_CERT_FILE="$CA"; fi; \
    /opt/uv/bin/uv sync --frozen --no-dev --no-editable
RUN site="$(/app/.venv/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" \
    && mkdir -p "/kassa$site" /kassa/app/.venv/bin \
    && for top in $(cut -d, -f1 "$site"/kassa-*.dist-info/RECORD | grep -v '^\.\./' \
                    | cut -d/ -f1 | sort -u); do cp -a "$site/$top" "/kassa$site/"; done \
    && cp -a /app/.venv/bin/kassa /kassa/app/.venv/bin/

FROM ${PYTHON_IMAGE}
RUN useradd --system --user-group --uid 10001 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin kassa \
    && mkdir -p /app/var \
    && chown kassa:kassa /app/var
COPY --from=deps /app/.venv /app/.venv
COPY --from=build /kassa/ /
WORKDIR /app
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    KASSA_HOST=0.0.0.0 \
    KASSA_PORT=8000 \
    KASSA_LOG_FORMAT=json
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/health' % os.environ.get('KASSA_PORT', '8000'), timeout=4)"]
ENTRYPOINT ["kassa"]
CMD ["serve"]
