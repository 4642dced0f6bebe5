"""The README's two set-up commands stay true: CI runs the very test command it shows."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_COMMAND = (
    ".venv/bin/pip install -q -c constraints.txt -e '.[test]' && .venv/bin/python -m pytest"
)
RUN_COMMAND = ".venv/bin/pip install -q -c constraints.txt -e . && .venv/bin/python -m bot"


def _readme_commands() -> list[str]:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.startswith("python3 -m venv .venv && ")]


def test_readme_has_exactly_the_two_setup_commands() -> None:
    commands = _readme_commands()
    assert len(commands) == 2, commands
    assert commands[0].endswith(RUN_COMMAND)
    assert commands[1].endswith(TEST_COMMAND)


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _readme_commands()[1] in ci
