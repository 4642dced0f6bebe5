"""The Dockerfile, .dockerignore and compose.yaml say what operations rely on.

No Docker engine here, so these read the files the way Docker and Compose do (a real YAML
parser; Dockerfile stages and .dockerignore rules as documented). test_container.py then
runs the image's own install and start commands.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import make_url

from tests.ops.container_files import Stage, dockerignore, env_pairs, stages

ROOT = Path(__file__).resolve().parents[2]
SECRET_WORDS = re.compile(r"TOKEN|PASSWORD|SECRET|_KEY", re.IGNORECASE)


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return stages((ROOT / "Dockerfile").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_dockerfile_builds_in_one_stage_and_runs_from_a_slim_python_311(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    _, (build, *_, final) = dockerfile
    assert build.name and build is not final
    for stage in (build, final):
        assert re.fullmatch(r"python:3\.11-slim(-\w+)?", stage.base), stage.base
    # The runtime stage takes only the built environment: no sources, no build tools.
    copies = final.all("COPY")
    assert [c.flags.get("from") for c in copies] == [build.name]
    install = [r.value for r in build.all("RUN") if " install " in r.value]
    assert install == ["/opt/venv/bin/pip install -c constraints.txt ."]


def test_dockerfile_runs_as_a_non_root_user_and_stops_on_sigterm(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    _, stages_ = dockerfile
    final = stages_[-1]
    user = final.last("USER")
    assert user is not None
    name, _, group = user.value.partition(":")
    assert name not in {"root", "0"} and group not in {"root", "0"}
    assert int(name) > 0  # numeric, so runAsNonRoot can check it
    assert final.last("STOPSIGNAL").value == "SIGTERM"  # type: ignore[union-attr]
    # USER comes after every RUN: nothing the container runs has root.
    keywords = [i.keyword for i in final.instructions]
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")


def test_dockerfile_health_check_and_command(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    final = dockerfile[1][-1]
    health = final.last("HEALTHCHECK")
    assert health is not None
    # Exec form (a JSON array): no shell sits between Docker and Python.
    assert health.exec_form() == ["python", "-m", "bot", "health"]
    assert final.last("CMD").exec_form() == ["python", "-m", "bot", "run"]  # type: ignore[union-attr]
    env: dict[str, str] = {}
    for instruction in final.all("ENV"):
        env |= env_pairs(instruction, {"PATH": "/usr/bin"})
    assert env["PATH"].startswith("/opt/venv/bin:")
    assert env["MICROBLOG_CONFIG"] == "/config/config.toml"


def test_dockerfile_bakes_in_no_secret(dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    args, stages_ = dockerfile
    assert not [name for name in args if SECRET_WORDS.search(name)]
    for stage in stages_:
        for instruction in stage.all("ENV") + stage.all("ARG"):
            names = [w.partition("=")[0] for w in instruction.value.split()]
            assert not [n for n in names if SECRET_WORDS.search(n)], instruction
        for copy in stage.all("COPY") + stage.all("ADD"):
            assert ".env" not in copy.value.split() and "config.toml" not in copy.value


@pytest.mark.parametrize(
    ("path", "sent"),
    [
        (".env", False),
        ("config.toml", False),
        ("secrets/discord_token", False),
        ("microblog.db", False),
        ("microblog-health.json", False),
        (".venv/bin/python", False),
        (".git/config", False),
        ("tests/ops/test_container.py", False),
        ("bot/__pycache__/config.cpython-311.pyc", False),
        ("pyproject.toml", True),
        ("constraints.txt", True),
        ("README.md", True),  # pyproject's readme: the build needs it
        ("bot/db/migrations/versions/0001_initial_schema.py", True),
        ("cogs/posts.py", True),
    ],
)
def test_dockerignore_sends_only_what_the_build_reads(path: str, sent: bool) -> None:
    ignored = dockerignore((ROOT / ".dockerignore").read_text(encoding="utf-8"))
    assert ignored(path) is not sent


def test_compose_runs_the_bot_after_a_healthy_postgres(compose: dict[str, Any]) -> None:
    bot, db = compose["services"]["bot"], compose["services"]["db"]
    assert bot["build"] in (".", {"context": "."})
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    for service in (bot, db):
        assert service["restart"] in {"unless-stopped", "always", "on-failure"}


def test_compose_keeps_postgres_data_in_a_named_volume(compose: dict[str, Any]) -> None:
    mounts = compose["services"]["db"]["volumes"]
    named = [m.split(":") for m in mounts if not m.startswith((".", "/"))]
    assert [target for _, target in named] == ["/var/lib/postgresql/data"]
    assert named[0][0] in compose["volumes"]


def test_compose_takes_secrets_from_the_env_file_only(compose: dict[str, Any]) -> None:
    bot, db = compose["services"]["bot"], compose["services"]["db"]
    assert bot["env_file"] in (".env", [".env"])
    assert "DISCORD_TOKEN" not in bot.get("environment", {})
    interpolated = re.compile(r"\$\{\w+(?::?[?-][^}]*)?\}")  # filled from .env by Compose
    secrets = []
    for service in (bot, db):
        for name, value in service.get("environment", {}).items():
            if SECRET_WORDS.search(name):
                secrets.append(str(value))
            if url_password := re.match(r"[\w+]+://[^:/@]+:(.*)@", str(value)):
                secrets.append(url_password.group(1))
    assert len(secrets) == 2  # the database password, in the db service and in the bot's URL
    assert all(interpolated.fullmatch(secret) for secret in secrets), secrets
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_compose_database_url_matches_the_postgres_service(compose: dict[str, Any]) -> None:
    bot, db = compose["services"]["bot"], compose["services"]["db"]
    interpolated = re.sub(r"\$\{[^}]*\}", "x", bot["environment"]["DATABASE_URL"])
    url = make_url(interpolated)
    assert url.host == "db"
    assert url.username == db["environment"]["POSTGRES_USER"]
    assert url.database == db["environment"]["POSTGRES_DB"]


def test_compose_mounts_the_config_where_the_image_reads_it(
    compose: dict[str, Any], dockerfile: tuple[dict[str, str], list[Stage]]
) -> None:
    final = dockerfile[1][-1]
    env: dict[str, str] = {}
    for instruction in final.all("ENV"):
        env |= env_pairs(instruction, {})
    (mount,) = compose["services"]["bot"]["configs"]
    assert mount["target"] == env["MICROBLOG_CONFIG"]
    assert compose["configs"][mount["source"]]["file"] == "./config.toml"
    assert "config.toml" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
