"""Readers of other apps' databases (Flaskr, the Flask Mega-Tutorial's microblog).

They only read, a batch at a time in id order, and hand out bot.domain.imports values;
the import service decides what becomes of each row.
"""

from __future__ import annotations

from bot.domain.imports import ImportSource, SourceRefused
from bot.importers.flaskr import FlaskrSource
from bot.importers.microblog import MicroblogSource

APPS = ("flaskr", "microblog")


def open_source(app: str, location: str) -> ImportSource:
    """``location``: Flaskr's SQLite file path; the Mega-Tutorial's DATABASE_URL."""
    if app == "flaskr":
        return FlaskrSource(location)
    if app == "microblog":
        return MicroblogSource(location)
    raise SourceRefused(f"Unknown app {app!r}: choose one of {', '.join(APPS)}.")


__all__ = ["APPS", "FlaskrSource", "MicroblogSource", "open_source"]
