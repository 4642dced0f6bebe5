"""Configuration: the example file is valid, and every mistake is one clear line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, Settings, dump_config, load_config, parse_settings, write_config

ROOT = Path(__file__).resolve().parents[2]


def test_example_config_is_valid_and_matches_the_defaults() -> None:
    assert load_config(ROOT / "config.example.toml", env={}) == Settings()


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    settings = load_config(tmp_path / "absent.toml", env={})
    assert settings.database.url == "sqlite+aiosqlite:///microblog.db"
    assert settings.auth.bcrypt_rounds == 12


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[discord]\ntoken = "from-file"\n[database]\nurl = "sqlite:///x.db"\n')
    settings = load_config(
        path, env={"DISCORD_TOKEN": "from-env", "DATABASE_URL": "postgres://u@h/db"}
    )
    assert settings.discord.token == "from-env"
    assert settings.database.url == "postgresql+asyncpg://u@h/db"
    assert load_config(path, env={}).database.url == "sqlite+aiosqlite:///x.db"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[auth]\nbcrypt_rounds = 3",
            "[auth] bcrypt_rounds: Input should be greater than or equal to 4 (got 3)",
        ),
        (
            "[auth]\nbcrypt_rounds = '12'",
            "[auth] bcrypt_rounds: Input should be a valid integer (got '12')",
        ),
        ("[auth]\nbcrypt_round = 12", "[auth] bcrypt_round: unknown key"),
        ("[typo]\nx = 1", "[typo]: unknown key"),
        ("[discord]\nsync = 'always'", "[discord] sync: Input should be 'auto' or 'off'"),
        (
            "[discord]\ntoken = 123",
            "[discord] token: Input should be a valid string (got <hidden>)",
        ),
        (
            "[discord]\ngateway_url = 'http://x'",
            "[discord] gateway_url: must start with ws:// or wss://",
        ),
        (
            "[discord]\ndev_guild_id = -1",
            "[discord] dev_guild_id: Input should be greater than or equal to 0",
        ),
        ("[database]\nurl = 'mysql://x'", "[database] url: must start with sqlite+aiosqlite://"),
        (
            "[discord]\nanswer_deadline_seconds = 3",
            "[discord] answer_deadline_seconds: must be more than 0 and at most 2.5 seconds: "
            "Discord drops an interaction not answered within 3 s",
        ),
        ("[discord]\nanswer_deadline_seconds = 0", "must be more than 0 and at most 2.5"),
        (
            "[discord]\nanswer_deadline_seconds = '1.5'",
            "[discord] answer_deadline_seconds: Input should be a valid number (got '1.5')",
        ),
        ("[posts]\npage_size = 11", "[posts] page_size: Input should be less than or equal to 10"),
        ("[logging]\nformat = 'xml'", "[logging] format: Input should be 'text' or 'json'"),
        (
            "[auth]\nsession_idle_days = 40",
            "[auth]: session_idle_days must not exceed session_max_days",
        ),
        ("auth = 5", "[auth]: Input should be a valid dictionary"),
        ("[auth\n", "not valid TOML"),
    ],
)
def test_mistakes_stop_with_one_line_naming_the_key(
    tmp_path: Path, toml: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    text = str(caught.value)
    assert message in text
    assert "\n" not in text
    assert text.startswith(str(path))


def test_token_value_never_appears_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[discord]\ntoken = "s3cr3t-token"\nsync = "bad"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert "s3cr3t" not in str(caught.value)


def test_floats_accept_whole_numbers(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[auth]\nsession_idle_days = 2\n[posts]\ncooldown_seconds = 0.5\n"
        "[discord]\nanswer_deadline_seconds = 1\n"
    )
    settings = load_config(path, env={})
    assert (settings.auth.session_idle_days, settings.posts.cooldown_seconds) == (2, 0.5)
    assert settings.discord.answer_deadline_seconds == 1


# Quotes, backslashes (a Windows path), newlines, TOML's own multi-line quotes, a line
# separator: each of these broke, or silently changed, the f-string configs this replaced.
AWKWARD = 'to"k\\en\nnext line\r\t\'\'\' """ \u2028 \\u0041 #not-a-comment = [x]'


def test_awkward_values_round_trip_through_load_config(tmp_path: Path) -> None:
    raw = {
        "discord": {"token": AWKWARD, "dev_guild_id": 2**64 - 1, "shard_ids": [0, 2]},
        "database": {"url": f"sqlite+aiosqlite:///C:\\data\\{AWKWARD}.db"},
        "auth": {"session_idle_days": 2.5},
        "digests": {"post_when_empty": True},
        "health": {"file": AWKWARD},
    }
    path = write_config(tmp_path / "config.toml", raw)
    settings = load_config(path, env={})
    assert settings.discord.token == AWKWARD
    assert settings.discord.dev_guild_id == 2**64 - 1
    assert settings.discord.shard_ids == (0, 2)
    assert settings.database.url == f"sqlite+aiosqlite:///C:\\data\\{AWKWARD}.db"
    assert settings.auth.session_idle_days == 2.5
    assert settings.digests.post_when_empty is True
    assert settings.health.file == AWKWARD


@given(st.text(st.characters(exclude_categories=["Cs"])))  # UTF-8 cannot hold lone surrogates
def test_any_token_round_trips_through_parse_settings(token: str) -> None:
    raw = {"discord": {"token": token}}
    assert tomllib.loads(dump_config(raw)) == raw
    assert parse_settings(tomllib.loads(dump_config(raw))).discord.token == token
