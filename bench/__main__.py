"""``python -m bench``: run the benchmarks, print the tables, save JSON and markdown.

The full run (10k, 100k and 1M posts on SQLite and PostgreSQL) takes about seven minutes on
two cores; ``--quick`` is the smoke run the test suite uses.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import shlex
import sys
from pathlib import Path

from bench.databases import DEFAULT_POSTGRES_URL
from bench.report import markdown
from bench.run import Options, run_benchmarks
from bench.scenarios import FULL, QUICK

BACKENDS = ("sqlite", "postgres")
RESULTS = Path(__file__).resolve().parent / "results"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes", help="posts to seed, comma-separated (default: 10000,100000,1000000)"
    )
    parser.add_argument(
        "--backends", default=",".join(BACKENDS), help="sqlite,postgres (default: both)"
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, few samples (smoke)")
    parser.add_argument(
        "--only",
        choices=["home", "conversations", "search"],
        help="seed as usual, then run one section only (home: /home beside /feed; "
        "conversations: /thread, /notifications and likes beside /feed; "
        "search: the /search kinds beside /feed)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="directory for the results (default: bench/results; files latest.* or quick.*)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a server to create the throwaway database on (default: TEST_POSTGRES_URL or "
        "%(default)s)",
    )
    return parser


def _options(args: argparse.Namespace, argv: list[str]) -> Options:
    plan = QUICK if args.quick else FULL
    if args.sizes:
        sizes = tuple(sorted(int(size.replace("_", "")) for size in args.sizes.split(",")))
        if not sizes or sizes[0] < 1:
            raise SystemExit("--sizes: positive numbers, comma-separated")
        plan = dataclasses.replace(plan, sizes=sizes)
    backends = tuple(name.strip() for name in args.backends.split(",") if name.strip())
    unknown = set(backends) - set(BACKENDS)
    if unknown or not backends:
        raise SystemExit(f"--backends: choose from {','.join(BACKENDS)}")
    return Options(
        plan=plan,
        backends=backends,
        postgres_url=args.postgres_url,
        quick=args.quick,
        command=shlex.join(["python", "-m", "bench", *argv]),
        only=args.only,
    )


def main(argv: list[str] | None = None) -> Path:
    """Run, print the report, write ``<name>.json`` and ``<name>.md``; returns the JSON path."""
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    options = _options(args, argv)
    results = asyncio.run(run_benchmarks(options))
    report = markdown(results)
    out = args.out or RESULTS
    out.mkdir(parents=True, exist_ok=True)
    name = "quick" if options.quick else "latest"
    if options.only:
        name += f"-{options.only}"  # a partial run never replaces the full results
    (out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (out / f"{name}.md").write_text(report, encoding="utf-8")
    print(report)
    print(f"Saved {out / name}.json and .md")
    return out / f"{name}.json"


if __name__ == "__main__":
    main()
