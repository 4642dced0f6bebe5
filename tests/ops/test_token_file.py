"""The token as a file (a Docker or compose secret): DISCORD_TOKEN_FILE."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from tests.ops.commands import bot_command

TOKEN = "MTIz.secret-token-value"


def test_the_token_file_is_read_and_its_newline_dropped(tmp_path: Path) -> None:
    secret = tmp_path / "discord_token"
    secret.write_text(TOKEN + "\n", encoding="utf-8")  # what `echo TOKEN > file` leaves
    settings = load_config(tmp_path / "absent.toml", env={"DISCORD_TOKEN_FILE": str(secret)})
    assert settings.discord.token == TOKEN


def test_the_token_file_wins_over_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[discord]\ntoken = "from-the-file"\n')
    (tmp_path / "secret").write_text(TOKEN)
    settings = load_config(
        tmp_path / "config.toml", env={"DISCORD_TOKEN_FILE": str(tmp_path / "secret")}
    )
    assert settings.discord.token == TOKEN


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (None, "DISCORD_TOKEN_FILE: {path}: no such file"),
        ("", "DISCORD_TOKEN_FILE: {path}: the file is empty"),
        ("\n  \n", "DISCORD_TOKEN_FILE: {path}: the file is empty"),
        (b"\xff\xfe" + TOKEN.encode(), "DISCORD_TOKEN_FILE: {path}: not UTF-8 text"),
        ("directory", "DISCORD_TOKEN_FILE: {path}: cannot read it (Is a directory)"),
    ],
)
def test_a_bad_token_file_is_one_line_naming_it(
    tmp_path: Path, setup: str | bytes | None, message: str
) -> None:
    path = tmp_path / "discord_token"
    if setup == "directory":
        path.mkdir()
    elif isinstance(setup, bytes):
        path.write_bytes(setup)
    elif setup is not None:
        path.write_text(setup)
    with pytest.raises(ConfigError) as caught:
        load_config(None, env={"DISCORD_TOKEN_FILE": str(path)})
    assert str(caught.value) == message.format(path=path)
    assert TOKEN not in str(caught.value)


def test_token_and_token_file_together_are_refused(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text(TOKEN)
    with pytest.raises(ConfigError) as caught:
        load_config(
            None, env={"DISCORD_TOKEN": "other", "DISCORD_TOKEN_FILE": str(tmp_path / "secret")}
        )
    assert str(caught.value) == "DISCORD_TOKEN and DISCORD_TOKEN_FILE are both set: keep only one"


async def test_a_missing_secret_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "run" / "secrets" / "discord_token"
    code, out, err = await bot_command("run", cwd=tmp_path, DISCORD_TOKEN_FILE=str(missing))
    assert (code, out, err) == (2, [], [f"error: DISCORD_TOKEN_FILE: {missing}: no such file"])
