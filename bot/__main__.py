"""Command line: python -m bot [run|sync|db upgrade|sandbox|check-config|health|catalog|import]."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from bot.config import ConfigError, Settings, load_config
from bot.ops.logs import configure_logging

DEFAULT_CONFIG = "config.toml"
CONFIG_ENV = "MICROBLOG_CONFIG"  # the container image points it at /config/config.toml
SETUP_HINT = (
    "No Discord token: set DISCORD_TOKEN or [discord] token in {config} "
    "(see README, 'Running for real'). To try the bot without one: python -m bot sandbox"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="microblog-bot", description=__doc__)
    parser.add_argument(
        "--config",
        default=os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG,
        help=f"TOML file (default: ${CONFIG_ENV}, else {DEFAULT_CONFIG})",
    )
    verbs = parser.add_subparsers(dest="verb")
    verbs.add_parser("run", help="connect to Discord and serve the slash commands")
    sync = verbs.add_parser("sync", help="register the slash commands with Discord")
    sync.add_argument(
        "--guild", type=int, help="a guild id (instant); default: dev_guild_id or global"
    )
    sync.add_argument("--force", action="store_true", help="send even if Discord's copy matches")
    db = verbs.add_parser("db", help="database maintenance")
    db.add_argument(
        "action",
        choices=["upgrade", "check-names"],
        help="upgrade: apply the migrations; check-names: list accounts whose names look alike",
    )
    verbs.add_parser("sandbox", help="try the bot in this terminal against a loopback Discord")
    check = verbs.add_parser("check-config", help="validate the config file and say what is wrong")
    check.add_argument("file", nargs="?", help="the file to check (default: --config)")
    verbs.add_parser("health", help="exit 0 if the running bot's heartbeat is fresh and good")
    imports = verbs.add_parser(
        "import",
        help="bring accounts, posts and follows from Flaskr or the Flask Mega-Tutorial",
        description="Safe to run again: only what is new is imported; an interrupted import "
        "resumes where it stopped.",
    )
    imports.add_argument("app", choices=["flaskr", "microblog"], help="the app moving in")
    imports.add_argument(
        "location",
        metavar="PATH_OR_URL",
        help="flaskr: its SQLite file (instance/flaskr.sqlite); microblog: its DATABASE_URL",
    )
    imports.add_argument(
        "--dry-run", action="store_true", help="write nothing; say what would be imported"
    )
    imports.add_argument(
        "--batch-size",
        type=_positive,
        default=5_000,
        help="rows per transaction (default 5000); an interruption loses at most one batch",
    )
    imports.add_argument(
        "--source",
        dest="source_name",
        metavar="NAME",
        help="the name this database is remembered by (default: the app's name); "
        "give a second database of the same app its own",
    )
    verbs.add_parser(
        "catalog", help="add new message ids to the translation catalogs; list what is missing"
    )
    for verb in verbs.choices.values():  # accept --config after the verb too
        verb.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    config_path = getattr(args, "file", None) or args.config
    try:
        settings = load_config(config_path)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1 if args.verb == "health" else 2  # Docker reserves health exit codes above 1
    verb = args.verb or ("run" if settings.discord.token else "sandbox")
    if verb == "check-config":
        source = config_path if Path(config_path).exists() else f"{config_path} (absent: defaults)"
        print(f"{source}: OK")
        return 0
    if verb == "health":
        from bot.ops.health import check

        healthy, reason = check(settings.health)
        print(reason)
        return 0 if healthy else 1
    if verb == "catalog":
        return asyncio.run(_catalog())
    if verb == "sandbox":
        from bot.ops.sandbox import run_sandbox

        return asyncio.run(run_sandbox(settings))
    configure_logging(settings.logging, secrets=[settings.discord.token])
    if verb == "db":
        if args.action == "check-names":
            return asyncio.run(_check_names(settings))
        return asyncio.run(_upgrade(settings))
    if verb == "import":
        from bot.ops.importing import run_import

        return run_import(
            settings,
            args.app,
            args.location,
            dry_run=args.dry_run,
            batch_size=args.batch_size,
            source_name=args.source_name,
        )
    if not settings.discord.token:
        print(SETUP_HINT.format(config=config_path), file=sys.stderr)
        return 2
    if verb == "sync":
        from bot.ops.runner import sync_only

        guild = args.guild or settings.discord.dev_guild_id
        changed = asyncio.run(sync_only(settings, guild, args.force))
        print("Commands synced." if changed else "Commands already up to date; nothing sent.")
        return 0
    from bot.ops.runner import run_bot

    try:
        asyncio.run(run_bot(settings))
    except ConfigError as error:  # found only once the database answers ([search] language)
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


async def _catalog() -> int:
    from bot.front.catalog import catalog_path, update_all

    for language, (added, missing) in (await update_all()).items():
        print(f"{catalog_path(language)}: {added} new message ids; {len(missing)} to translate")
        for line in missing:
            print(f"  {line}")
    return 0


async def _upgrade(settings: Settings) -> int:
    from bot.db.migrate import upgrade_url

    print(f"Database at revision {await upgrade_url(settings.database.url)}.")
    return 0


async def _check_names(settings: Settings) -> int:
    """Exit 0 when no names look alike, 1 (with one line per group) when some do."""
    from bot.db.engine import Database
    from bot.db.migrate import upgrade
    from bot.services.names import look_alike_report

    database = Database(settings.database.url)
    try:
        await upgrade(database)
        lines = await look_alike_report(database)
    finally:
        await database.dispose()
    for line in lines:
        print(line)
    print("No look-alike usernames." if not lines else f"{len(lines)} finding(s); nothing changed.")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
