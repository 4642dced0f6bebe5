"""The layers stay honest: import-linter's contracts (pyproject.toml) hold for the whole tree.

Each layer imports only those below it (bot.__main__ > ops > cogs > front > app > services >
repositories and importers > db > domain > config); nothing outside the front speaks
Discord; the loopback Discord imports nothing of the application.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_three_contracts_are_declared() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    assert {c["type"] for c in contracts} == {"layers", "forbidden"}
    (layers,) = [c for c in contracts if c["type"] == "layers"]
    assert layers["layers"][-4:] == [
        "bot.repositories | bot.importers",  # importers read foreign databases as repositories do
        "bot.db",
        "bot.domain",
        "bot.config | bot.telemetry",
    ]
    forbidden = {m for c in contracts if c["type"] == "forbidden" for m in c["source_modules"]}
    assert {
        *("bot.domain", "bot.db", "bot.repositories", "bot.importers", "bot.services"),
        "discord_double",
    } <= forbidden


def test_import_linter_passes() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 (our own venv's tool, fixed arguments)
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
