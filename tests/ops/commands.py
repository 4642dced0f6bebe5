"""Running ``python -m bot VERB`` as its own process, with none of the operator's variables."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

OPERATOR_ENV = ("DISCORD_TOKEN", "DISCORD_TOKEN_FILE", "DATABASE_URL", "MICROBLOG_CONFIG")


async def bot_command(*args: str, cwd: Path, **env: str) -> tuple[int, list[str], list[str]]:
    """(exit code, stdout lines, stderr lines) of ``python -m bot ARGS``."""
    base = {k: v for k, v in os.environ.items() if k not in OPERATOR_ENV}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=base | env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode().splitlines(), stderr.decode().splitlines()
