"""Settings: a TOML file validated into frozen, typed models; a few env vars override it.

Unknown keys, wrong types and out-of-range values stop the start with one line that
names the key and what is allowed (``ConfigError``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///microblog.db"
DEFAULT_API_BASE_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
# Environment variables that win over the file: secrets and deployment-specific values.
ENV_OVERRIDES = {"DISCORD_TOKEN": ("discord", "token"), "DATABASE_URL": ("database", "url")}
# Or the token in a file (a Docker or compose secret mounted at /run/secrets/...).
TOKEN_FILE_VAR = "DISCORD_TOKEN_FILE"  # noqa: S105 (a variable name, not a secret)

Snowflake = Annotated[int, Field(ge=0, lt=2**64)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DiscordSettings(_Section):
    token: str = ""
    api_base_url: str = DEFAULT_API_BASE_URL
    gateway_url: str = DEFAULT_GATEWAY_URL
    dev_guild_id: Snowflake | None = None
    sync: Literal["auto", "off"] = "auto"
    shard_count: Annotated[int, Field(ge=1, le=4096)] | None = None
    shard_ids: tuple[Annotated[int, Field(ge=0)], ...] | None = None

    @field_validator("api_base_url", "gateway_url")
    @classmethod
    def _url(cls, value: str, info: Any) -> str:
        schemes = (
            ("http://", "https://") if info.field_name == "api_base_url" else ("ws://", "wss://")
        )
        if not value.startswith(schemes):
            raise ValueError(f"must start with {' or '.join(schemes)}")
        return value.rstrip("/") if info.field_name == "api_base_url" else value


class DatabaseSettings(_Section):
    url: str = DEFAULT_DATABASE_URL
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _driver(cls, value: str) -> str:
        # Operators paste the URLs their hosting gives them; name the async drivers for them.
        for plain, driver in (
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if value.startswith(plain):
                value = driver + value.removeprefix(plain)
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value


class AuthSettings(_Section):
    bcrypt_rounds: Annotated[int, Field(ge=4, le=16)] = 12
    hash_concurrency: Annotated[int, Field(ge=1, le=64)] | None = None
    min_password_bytes: Annotated[int, Field(ge=1, le=72)] = 8
    # zxcvbn score (0-4) a password needs; 2 refuses the common and trivially guessable ones.
    min_password_score: Annotated[int, Field(ge=0, le=4)] = 2
    session_idle_days: Annotated[float, Field(gt=0, le=365)] = 7
    session_max_days: Annotated[float, Field(gt=0, le=3650)] = 30
    login_failures_allowed: Annotated[int, Field(ge=1, le=1000)] = 5
    login_failure_window_minutes: Annotated[float, Field(gt=0, le=1440)] = 15
    registrations_per_day: Annotated[int, Field(ge=1, le=1000)] = 3


class PostSettings(_Section):
    max_length: Annotated[int, Field(ge=1, le=4000)] = 500
    cooldown_seconds: Annotated[float, Field(ge=0, le=86400)] = 10
    page_size: Annotated[int, Field(ge=1, le=10)] = 5


class SearchSettings(_Section):
    # A PostgreSQL text search configuration name (see config.example.toml); SQLite ignores it.
    language: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]{0,62}$")] = "simple"
    page_size: Annotated[int, Field(ge=1, le=10)] = 5


class DigestSettings(_Section):
    # How often each process looks for due summaries (the interval itself is per channel).
    tick_seconds: Annotated[float, Field(ge=0.05, le=3600)] = 30
    # How long a claimed summary stays reserved for its process; a crashed process's claims
    # are taken over after this. Keep it well under Discord's nonce window (minutes).
    lease_seconds: Annotated[float, Field(ge=1, le=600)] = 60
    posts_per_summary: Annotated[int, Field(ge=1, le=10)] = 5
    post_when_empty: bool = False
    send_timeout_seconds: Annotated[float, Field(ge=1, le=300)] = 30
    max_parallel_sends: Annotated[int, Field(ge=1, le=100)] = 10
    max_backoff_minutes: Annotated[float, Field(ge=1, le=1440)] = 60


class NotificationSettings(_Section):
    # At most one notification DM per Discord user in this many minutes (/account notify).
    dm_interval_minutes: Annotated[float, Field(ge=1, le=10080)] = 60
    # How often each process looks for DMs that are due; leases as for summaries.
    tick_seconds: Annotated[float, Field(ge=0.05, le=3600)] = 30
    lease_seconds: Annotated[float, Field(ge=1, le=600)] = 60
    send_timeout_seconds: Annotated[float, Field(ge=1, le=300)] = 30
    max_parallel_sends: Annotated[int, Field(ge=1, le=100)] = 10
    max_backoff_minutes: Annotated[float, Field(ge=1, le=1440)] = 60


class ModerationSettings(_Section):
    # Discord user ids (integers, like every other id here) who may use /mod and the
    # buttons on reports. Checked by the service on every action, whoever sees a button.
    moderators: tuple[Snowflake, ...] = ()
    # Where each new report is posted with Dismiss / Remove post / Suspend author buttons.
    reports_channel_id: Snowflake | None = None
    # Reports one account may file per hour (throttles a flood of reports).
    reports_per_hour: Annotated[int, Field(ge=1, le=1000)] = 10


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class HealthSettings(_Section):
    # The heartbeat file the running bot rewrites and `python -m bot health` reads (bot/health.py).
    file: Annotated[str, Field(min_length=1)] = "microblog-health.json"
    interval_seconds: Annotated[float, Field(ge=0.1, le=3600)] = 10


class DiagnosticsSettings(_Section):
    # Event-loop stall statistics as JSON, rewritten every second (bot/loopwatch.py); "": off.
    loop_stats_file: str = ""


class MetricsSettings(_Section):
    # Prometheus text at http://host:port/metrics from this process; port 0: off.
    host: Annotated[str, Field(min_length=1)] = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 0


class Settings(_Section):
    discord: DiscordSettings = DiscordSettings()
    database: DatabaseSettings = DatabaseSettings()
    auth: AuthSettings = AuthSettings()
    posts: PostSettings = PostSettings()
    search: SearchSettings = SearchSettings()
    digests: DigestSettings = DigestSettings()
    notifications: NotificationSettings = NotificationSettings()
    moderation: ModerationSettings = ModerationSettings()
    logging: LoggingSettings = LoggingSettings()
    health: HealthSettings = HealthSettings()
    diagnostics: DiagnosticsSettings = DiagnosticsSettings()
    metrics: MetricsSettings = MetricsSettings()

    @field_validator("auth")
    @classmethod
    def _session_limits(cls, auth: AuthSettings) -> AuthSettings:
        if auth.session_idle_days > auth.session_max_days:
            raise ValueError("session_idle_days must not exceed session_max_days")
        return auth


class ConfigError(Exception):
    """A configuration problem, already phrased as the one line an operator reads."""


def load_config(path: str | Path | None, env: dict[str, str] | None = None) -> Settings:
    """Read ``path`` (missing file: defaults), apply env overrides, validate."""
    env = dict(os.environ) if env is None else env
    raw: dict[str, Any] = {}
    if path is not None and Path(path).exists():
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    env = _token_from_file(env)
    for var, (section, key) in ENV_OVERRIDES.items():
        if env.get(var):
            section_values = raw.setdefault(section, {})
            if isinstance(section_values, dict):
                section_values[key] = env[var]
    return parse_settings(raw, source=str(path or "defaults"))


def dump_config(raw: Mapping[str, Any]) -> str:
    """``raw`` as TOML text that ``load_config`` reads back unchanged.

    Values are escaped by a TOML writer, not pasted into f-strings: a token, URL or path
    with a quote, a backslash or a newline stays one value instead of breaking the file.
    """
    return tomli_w.dumps(raw)


def write_config(path: str | Path, raw: Mapping[str, Any]) -> Path:
    """Write ``raw`` as a UTF-8 TOML config file at ``path``; returns the path."""
    path = Path(path)
    path.write_text(dump_config(raw), encoding="utf-8")
    return path


def _token_from_file(env: dict[str, str]) -> dict[str, str]:
    """``DISCORD_TOKEN_FILE`` becomes ``DISCORD_TOKEN``; errors name the file, never its text."""
    file = env.get(TOKEN_FILE_VAR)
    if not file:
        return env
    if env.get("DISCORD_TOKEN"):
        raise ConfigError(f"DISCORD_TOKEN and {TOKEN_FILE_VAR} are both set: keep only one")
    try:
        token = Path(file).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"{TOKEN_FILE_VAR}: {file}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{TOKEN_FILE_VAR}: {file}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{TOKEN_FILE_VAR}: {file}: not UTF-8 text") from None
    if not token:
        raise ConfigError(f"{TOKEN_FILE_VAR}: {file}: the file is empty")
    return {**env, "DISCORD_TOKEN": token}


def parse_settings(raw: dict[str, Any], source: str = "config") -> Settings:
    # TOML has no tuple; pydantic's strict mode wants one for the frozen shard_ids.
    for section, key in (("discord", "shard_ids"), ("moderation", "moderators")):
        values = raw.get(section)
        if isinstance(values, dict) and isinstance(values.get(key), list):
            values[key] = tuple(values[key])
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    location = [str(part) for part in error["loc"] if not str(part).isdigit()]
    if error["type"] == "extra_forbidden":
        what = "unknown key (check the spelling against config.example.toml)"
    else:
        what = error["msg"].removeprefix("Value error, ")
        if "input" in error and not isinstance(error["input"], dict):
            # Never echo the token back, even when it is the wrong type.
            shown = "<hidden>" if location[-1:] == ["token"] else repr(error["input"])
            what += f" (got {shown})"
    if len(location) >= 2:
        key = f"[{'.'.join(location[:-1])}] {location[-1]}"
    elif location:
        key = f"[{location[0]}]"
    else:
        key = "settings"
    return f"{key}: {what}"
