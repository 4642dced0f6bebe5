"""``python -m bot import flaskr|microblog``: the operator's side of an import.

A progress bar with rate and ETA on a terminal (rich), plain log lines otherwise (a pipe,
a container log), then a summary on stdout. Ctrl-C stops after rolling back the batch in
flight; the same command resumes (see bot/services/importing.py).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from typing import TextIO

from bot.config import Settings
from bot.db.engine import Database
from bot.db.migrate import current_revision, head_revision, upgrade
from bot.domain.imports import SourceRefused
from bot.importers import open_source
from bot.services.importing import ImportProgress, ImportService, ImportSummary

log = logging.getLogger("bot.import")
EXIT_REFUSED = 2
EXIT_INTERRUPTED = 130  # the shell's code for SIGINT
RESUME_HINT = (
    "Interrupted: the batch in flight was rolled back and every finished batch is kept. "
    "Run the same command again to resume."
)


def run_import(
    settings: Settings,
    app: str,
    location: str,
    *,
    dry_run: bool = False,
    batch_size: int = 5_000,
    source_name: str | None = None,
) -> int:
    try:
        return asyncio.run(
            _import(settings, app, location, dry_run, batch_size, source_name, sys.stdout)
        )
    except KeyboardInterrupt:
        print(RESUME_HINT, file=sys.stderr)
        return EXIT_INTERRUPTED


async def _import(
    settings: Settings,
    app: str,
    location: str,
    dry_run: bool,
    batch_size: int,
    source_name: str | None,
    out: TextIO,
) -> int:
    try:
        source = open_source(app, location)
    except SourceRefused as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return EXIT_REFUSED
    database = Database(settings.database.url)
    progress = TerminalProgress() if sys.stderr.isatty() else LogProgress()
    started = time.monotonic()
    try:
        if dry_run:
            if await current_revision(database) != head_revision():
                print(
                    "error: the database is not at the newest schema; a dry run writes "
                    "nothing, so run `python -m bot db upgrade` first.",
                    file=sys.stderr,
                )
                return EXIT_REFUSED
        else:
            await upgrade(database)
        service = ImportService(database, settings.posts)
        summary = await service.run(
            source,
            source_name=source_name,
            dry_run=dry_run,
            batch_size=batch_size,
            progress=progress,
        )
    except SourceRefused as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return EXIT_REFUSED
    finally:
        progress.close()
        await source.close()
        await database.dispose()
    out.write(describe(summary, source.description, time.monotonic() - started))
    return 0


def describe(summary: ImportSummary, where: str, seconds: float) -> str:
    """The closing summary: what came in, who was renamed, what was skipped and why."""
    verb = "Would import" if summary.dry_run else "Imported"
    lines = []
    if summary.dry_run:
        lines.append("Dry run: nothing was written.")
    lines += [
        f"{verb} from {where} (source {summary.source!r}) in {seconds:.1f} s:",
        f"  users    {summary.users:>10,}",
        f"  posts    {summary.posts:>10,}",
        f"  follows  {summary.follows:>10,}",
    ]
    if summary.long_posts:
        lines.append(
            f"  {summary.long_posts:,} posts are longer than [posts] max_length: kept whole, "
            "marked imported."
        )
    if summary.locked:
        lines.append(
            f"  {summary.locked:,} accounts cannot log in: their old password hash is missing "
            "or cannot be checked."
        )
    if summary.renamed:
        lines.append(f"Renamed ({len(summary.renamed):,}): tell these people their username here.")
        lines += [f"  {r.old!r} -> {r.new}: {r.why}" for r in summary.renamed]
    if summary.skipped:
        lines.append(f"Skipped or changed ({sum(summary.skipped.values()):,} rows):")
        lines += [f"  {count:>8,}  {reason}" for reason, count in summary.skipped.most_common()]
    if summary.notes:
        lines.append("Notes:")
        lines += [f"  {note}" for note in summary.notes]
    if not (summary.users or summary.posts or summary.follows):
        lines.append("Nothing new: everything in the source was imported before.")
    return "\n".join(lines) + "\n"


class LogProgress(ImportProgress):
    """One log line per stage start and end, and at most one every ``every`` seconds."""

    def __init__(self, every: float = 2.0) -> None:
        self.every = every
        self.stage = ""
        self.total = 0
        self.done = 0
        self.began = self.last = 0.0

    def start(self, stage: str, total: int) -> None:
        self.stage, self.total, self.done = stage, total, 0
        self.began = self.last = time.monotonic()
        log.info("import %s: %s to read", stage, f"{total:,}")

    def advance(self, rows: int) -> None:
        self.done += rows
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            rate = self.done / max(now - self.began, 1e-9)
            left = (self.total - self.done) / rate if rate else 0
            log.info(
                "import %s: %s/%s (%d%%), %s rows/s, ETA %ds",
                self.stage,
                f"{self.done:,}",
                f"{self.total:,}",
                100 * self.done // max(self.total, 1),
                f"{rate:,.0f}",
                left,
            )

    def finish(self) -> None:
        seconds = time.monotonic() - self.began
        log.info("import %s: %s rows read in %.1fs", self.stage, f"{self.done:,}", seconds)

    def close(self) -> None:
        pass


class TerminalProgress(ImportProgress):
    """rich's progress bar on stderr: one line per stage, with rate and time left."""

    def __init__(self) -> None:
        # Imported here: only a terminal needs rich.
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskID,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]:>10,.0f} rows/s"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
        )
        self._progress.start()
        self._task: TaskID | None = None
        self._began = 0.0
        self._done = 0

    def start(self, stage: str, total: int) -> None:
        self._began, self._done = time.monotonic(), 0
        self._task = self._progress.add_task(stage, total=total, rate=0.0)

    def advance(self, rows: int) -> None:
        if self._task is not None:
            self._done += rows
            rate = self._done / max(time.monotonic() - self._began, 1e-9)
            self._progress.update(self._task, advance=rows, rate=rate)

    def finish(self) -> None:
        if self._task is not None:
            self._progress.update(self._task, total=self._done, completed=self._done)
            self._task = None

    def close(self) -> None:
        self._progress.stop()
