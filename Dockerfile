# syntax=docker/dockerfile:1
# The bot as an image. Quick start: compose.yaml (README, "Running in a container"). Alone:
#   docker build -t discord-microblog .
#   docker run --env-file .env -v "$PWD/config.toml:/config/config.toml:ro" discord-microblog
# No secret is baked in: the token arrives at run time as DISCORD_TOKEN, or as a file named
# by DISCORD_TOKEN_FILE (a Docker secret). tests/ops/test_container.py runs these very
# install and start commands in a fresh virtual environment.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# Build stage: a virtual environment holding the locked dependency set and the bot.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY bot ./bot
COPY cogs ./cogs
# A non-editable install, pinned by the lock file: the image runs what CI tested.
RUN /opt/venv/bin/pip install -c constraints.txt .

# Runtime stage: the same base plus the venv. No sources, no pip cache, no build tools.
FROM ${PYTHON_IMAGE}
RUN groupadd --gid 10001 microblog \
    && useradd --uid 10001 --gid microblog --home-dir /data --create-home \
       --shell /usr/sbin/nologin microblog
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MICROBLOG_CONFIG=/config/config.toml
# The working directory holds the heartbeat file (and the database, if SQLite is used:
# mount a volume here then).
WORKDIR /data
# Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
# SIGTERM starts the clean stop: running commands get up to 5 s, then the gateway and the
# database close. It ends well within Docker's default 10 s before SIGKILL.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "health"]
CMD ["python", "-m", "bot", "run"]
