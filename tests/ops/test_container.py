"""The image's own commands, run without a Docker engine: install, health, start, stop.

The Dockerfile is read instruction by instruction. Its build stage runs here for real in a
fresh directory tree standing in for the image's filesystem (/opt/venv, /src, /data,
/config): the build context filtered by .dockerignore, the same ``python -m venv`` and
``pip install -c constraints.txt .`` (non-editable, from PyPI). Then the runtime stage's
ENV, WORKDIR, USER (really dropping root, when the tests run as root), HEALTHCHECK, CMD and
STOPSIGNAL run the bot against the loopback Discord and a fresh, unmigrated PostgreSQL
database. What only an engine adds (namespaces, the base image's files) is not covered; a
Python 3.11 from this machine stands in for the base image's ``python``.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import write_config
from discord_double import DiscordDouble
from tests.cogs.conftest import Person, bodies
from tests.ops.container_files import Stage, build_context, env_pairs, stages

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
CONTAINER_DIRS = ("/opt/venv", "/src", "/data", "/config")
DOCKER_STOP_GRACE_SECONDS = 10  # docker stop / compose: SIGTERM, then SIGKILL after this
HEALTH_INTERVAL_SECONDS = 0.5
PASSWORD = "Zebra-Quantum-Marmalade-42"
# Not secret in the tests' environment, but the image must not depend on them.
DROPPED_ENV = ("DISCORD_TOKEN", "DISCORD_TOKEN_FILE", "DATABASE_URL", "MICROBLOG_CONFIG")


@dataclass
class ImageFilesystem:
    """Container paths mapped into one host directory that an unprivileged user can read."""

    root: Path
    timings: dict[str, float] = field(default_factory=dict)

    def host(self, value: str) -> str:
        pattern = "|".join(re.escape(d) for d in CONTAINER_DIRS)
        return re.sub(
            rf"(?<![\w/])({pattern})(?=/|:|\s|$)",
            lambda m: str(self.root / m.group(1).strip("/").replace("/", "-")),
            value,
        )

    def path(self, value: str, cwd: Path) -> Path:
        mapped = Path(self.host(value))
        return mapped if mapped.is_absolute() else cwd / mapped


@pytest.fixture
def image_fs() -> Iterator[ImageFilesystem]:
    # Not pytest's tmp_path: its parents are private to root, and the bot runs as USER.
    root = Path(tempfile.mkdtemp(prefix="microblog-image-"))
    root.chmod(0o755)
    try:
        yield ImageFilesystem(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def base_python() -> Path:
    """A Python 3.11 for the base image's ``python``: one the image's USER may run, if any."""
    candidates = [Path(getattr(sys, "_base_executable", sys.executable)).resolve()]
    if system := shutil.which("python3.11"):
        candidates.append(Path(system).resolve())
    runnable = [c for c in candidates if _anyone_can_run(c)]
    return (runnable or candidates)[0]


def _anyone_can_run(path: Path) -> bool:
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


def base_environment(fs: ImageFilesystem) -> dict[str, str]:
    """The base image's environment: its ``python`` first on PATH."""
    base_bin = fs.root / "base-bin"
    if not base_bin.exists():
        base_bin.mkdir()
        (base_bin / "python").symlink_to(base_python())
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    return env | {"PATH": f"{base_bin}{os.pathsep}{os.environ['PATH']}"}


async def run_build_stage(fs: ImageFilesystem, stage: Stage, context: Path) -> None:
    env = base_environment(fs)
    cwd = fs.root  # the build starts in "/"
    for instruction in stage.instructions:
        if instruction.keyword == "ENV":
            env |= {k: fs.host(v) for k, v in env_pairs(instruction, env).items()}
        elif instruction.keyword == "WORKDIR":
            cwd = fs.path(instruction.value, cwd)
            cwd.mkdir(parents=True, exist_ok=True)
        elif instruction.keyword == "COPY":
            *sources, destination = instruction.value.split()
            target = fs.path(destination, cwd)
            for source in sources:
                if (context / source).is_dir():
                    shutil.copytree(context / source, target, dirs_exist_ok=True)
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(context / source, target / source)
        elif instruction.keyword == "RUN":
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                "/bin/sh",
                "-c",
                fs.host(instruction.value),
                cwd=cwd,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            output, _ = await process.communicate()
            assert process.returncode == 0, output.decode()[-3000:]
            fs.timings[f"RUN {instruction.value}"] = time.perf_counter() - started
        else:
            raise AssertionError(f"the build stage has {instruction.keyword}: teach this test")


@dataclass
class Runtime:
    env: dict[str, str]
    cwd: Path
    user: dict[str, object]  # subprocess user/group: the image's USER, if we may switch
    health: list[str]
    command: list[str]
    stop_signal: signal.Signals

    async def start(self, *argv: str, log: Path | None = None) -> asyncio.subprocess.Process:
        output = log.open("ab") if log else asyncio.subprocess.PIPE
        try:
            return await asyncio.create_subprocess_exec(
                *argv,
                cwd=self.cwd,
                env=self.env,
                stdout=output,
                stderr=output if log else asyncio.subprocess.PIPE,
                **self.user,  # type: ignore[arg-type]
            )
        finally:
            if log:
                output.close()  # type: ignore[union-attr]

    async def check_health(self) -> tuple[int, str]:
        process = await self.start(*self.health)
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
        assert process.returncode is not None
        return process.returncode, (stdout + stderr).decode().strip()


def runtime_stage(fs: ImageFilesystem, stage: Stage, build_name: str) -> Runtime:
    env = base_environment(fs)
    cwd, user = fs.root, {}
    for instruction in stage.instructions:
        if instruction.keyword == "ENV":
            env |= {k: fs.host(v) for k, v in env_pairs(instruction, env).items()}
        elif instruction.keyword == "WORKDIR":
            cwd = fs.path(instruction.value, cwd)
            cwd.mkdir(parents=True, exist_ok=True)
        elif instruction.keyword == "USER":
            uid, _, gid = instruction.value.partition(":")
            if os.geteuid() == 0 and _anyone_can_run(base_python()):  # really drop root
                os.chown(cwd, int(uid), int(gid or uid))
                user = {"user": int(uid), "group": int(gid or uid), "extra_groups": []}
        elif instruction.keyword == "RUN":
            # Creating the account needs root inside an image; USER above stands in for it.
            assert "useradd" in instruction.value, instruction.value
        elif instruction.keyword == "COPY":
            # The built venv, at the same path: with one filesystem there is nothing to copy.
            assert instruction.flags.get("from") == build_name, instruction
            source, destination = instruction.value.split()
            assert source == destination, instruction
    health, command, stop = stage.last("HEALTHCHECK"), stage.last("CMD"), stage.last("STOPSIGNAL")
    assert health and command and stop
    return Runtime(
        env,
        cwd,
        user,
        health=_resolve(health.exec_form(), env),
        command=_resolve(command.exec_form(), env),
        stop_signal=signal.Signals[stop.value],
    )


def _resolve(argv: list[str], env: dict[str, str]) -> list[str]:
    """PATH lookup as the container does it: the image's ENV PATH, not this process's."""
    found = shutil.which(argv[0], path=env["PATH"])
    assert found, f"{argv[0]} not on the image's PATH {env['PATH']}"
    return [found, *argv[1:]]


def provide_config_and_secret(
    fs: ImageFilesystem, runtime: Runtime, double: DiscordDouble, database_url: str
) -> None:
    """What an operator mounts: the config at MICROBLOG_CONFIG and the token as a secret."""
    config = Path(runtime.env["MICROBLOG_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    write_config(
        config,
        {
            "discord": {
                "api_base_url": double.api_base_url,
                "gateway_url": double.gateway_url,
                "dev_guild_id": double.guild_id,
            },
            "auth": {"bcrypt_rounds": 4},
            "posts": {"cooldown_seconds": 0},
            "logging": {"format": "json"},
            "health": {"interval_seconds": HEALTH_INTERVAL_SECONDS},
        },
    )
    secret = fs.root / "run-secrets" / "discord_token"  # compose mounts /run/secrets/NAME
    secret.parent.mkdir()
    secret.write_text(double.token + "\n", encoding="utf-8")  # as `echo TOKEN > file` writes
    secret.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    runtime.env |= {"DISCORD_TOKEN_FILE": str(secret), "DATABASE_URL": database_url}


async def poll_health(runtime: Runtime, timeout: float) -> tuple[float, str]:
    """Seconds until `health` first passes, and its line."""
    started = time.perf_counter()
    while True:
        code, line = await runtime.check_health()
        if code == 0:
            return time.perf_counter() - started, line
        assert time.perf_counter() - started < timeout, line
        await asyncio.sleep(0.05)


@asynccontextmanager
async def hold_post_table_lock(database_url: str) -> AsyncIterator[None]:
    """Keep the post table locked, so that a /post hangs in flight (a worst case for stop)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text('LOCK TABLE "post" IN ACCESS EXCLUSIVE MODE'))
            yield
            await connection.rollback()
    finally:
        await engine.dispose()


async def wait_for_blocked_query(database_url: str, timeout: float = 10) -> None:
    engine = create_async_engine(database_url)
    deadline = time.perf_counter() + timeout
    try:
        async with engine.connect() as connection:
            while True:
                waiting = await connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_locks l JOIN pg_database d "
                        "ON d.oid = l.database WHERE NOT l.granted AND d.datname = :name"
                    ),
                    {"name": make_url(database_url).database},
                )
                await connection.rollback()
                if waiting:
                    return
                assert time.perf_counter() < deadline, "the /post never reached the lock"
                await asyncio.sleep(0.05)
    finally:
        await engine.dispose()


async def test_image_installs_starts_answers_and_stops_within_the_grace_period(
    image_fs: ImageFilesystem, double: DiscordDouble, empty_postgres_url: str
) -> None:
    fs = image_fs
    _, (build, *_, final) = stages((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    assert build.name
    context = fs.root / "build-context"
    sent = build_context(ROOT, context)
    assert ".env" not in sent and not [p for p in sent if p.startswith("tests/")]

    started = time.perf_counter()
    await run_build_stage(fs, build, context)
    fs.timings["build stage (venv + install)"] = time.perf_counter() - started
    runtime = runtime_stage(fs, final, build.name)
    assert runtime.command[0].startswith(str(fs.root)), runtime.command  # the venv's python
    provide_config_and_secret(fs, runtime, double, empty_postgres_url)

    code, line = await runtime.check_health()
    assert code == 1 and line.startswith("unhealthy: no heartbeat file"), line
    assert "\n" not in line

    log = fs.root / "bot.log"
    started = time.perf_counter()
    process = await runtime.start(*runtime.command, log=log)
    try:
        await double.wait_for_ready(timeout=30)
        ready = time.perf_counter()
        fs.timings["start to gateway ready"] = ready - started
        fs.timings["ready to health passing"], line = await poll_health(runtime, timeout=10)
        assert line.startswith("healthy: gateway 1 shard(s)"), line
        if runtime.user:  # the bot really runs as the image's USER, not as root
            assert Path(f"/proc/{process.pid}").stat().st_uid == runtime.user["user"]

        alice = Person(double, double.add_user("alice_discord"))
        assert "Welcome, **alice**" in (await alice.register("alice", PASSWORD)).content
        assert bodies(await alice.run("post", content="hello from the image"))
        assert (await alice.run("ping")).content.startswith("Pong!")

        # Stop while a command is stuck on a database lock: the drain waits for it, then
        # gives up, and the process must still be gone before Docker's SIGKILL.
        async with hold_post_table_lock(empty_postgres_url):
            await double.send_slash(alice.user, "post", {"content": "stuck"})
            await wait_for_blocked_query(empty_postgres_url)
            stop_sent = time.perf_counter()
            process.send_signal(runtime.stop_signal)
            await asyncio.wait_for(process.wait(), timeout=DOCKER_STOP_GRACE_SECONDS + 5)
            fs.timings["SIGTERM to exit, one command stuck"] = time.perf_counter() - stop_sent
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = log.read_text(encoding="utf-8")
    print("\n".join(f"{name}: {seconds:.2f} s" for name, seconds in fs.timings.items()))
    assert process.returncode == 0, output[-3000:]
    assert fs.timings["SIGTERM to exit, one command stuck"] < DOCKER_STOP_GRACE_SECONDS
    assert '"message": "Stopped cleanly"' in output
    assert double.token not in output and PASSWORD not in output
    code, line = await runtime.check_health()
    assert code == 1 and line.startswith("unhealthy: no heartbeat file"), line
