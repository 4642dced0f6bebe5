"""Run the double standalone: ``python -m discord_double --port 8765``.

Prints the URLs and token to point a bot at (``[discord] api_base_url`` / ``gateway_url``);
serves until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json

from .double import DiscordDouble
from .state import DEFAULT_HISTORY


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m discord_double", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--heartbeat-ms", type=int, default=41_250)
    parser.add_argument("--shards", type=int, default=1, help="shards suggested by /gateway/bot")
    parser.add_argument(
        "--history",
        type=int,
        default=DEFAULT_HISTORY,
        help="records of each kind to keep (requests, messages, gateway frames...)",
    )
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    async with DiscordDouble(
        host=args.host,
        port=args.port,
        heartbeat_interval_ms=args.heartbeat_ms,
        recommended_shards=args.shards,
        history=args.history,
    ) as double:
        info = {
            "api_base_url": double.api_base_url,
            "gateway_url": double.gateway_url,
            "token": double.token,
            "application_id": str(double.application_id),
            "guild_id": str(double.guild_id),
            "channel_id": str(double.channel_id),
        }
        for key, value in info.items():
            print(f"{key}={value}", flush=True)
        print(json.dumps(info), flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(_parse(argv)))


if __name__ == "__main__":
    main()
