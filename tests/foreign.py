"""Databases of the apps people move from, built with each project's own published schema.

Flaskr (pallets/flask, examples/tutorial/flaskr/schema.sql): written here as SQL, the way
its ``init-db`` command runs it; timestamps are SQLite's CURRENT_TIMESTAMP text.
The Mega-Tutorial (miguelgrinberg/microblog, app/models.py and its Alembic migrations):
tables declared here with the same SQLAlchemy types its models use, so SQLite and
PostgreSQL get what Flask-SQLAlchemy would create; three editions:
- "ch4": chapter 4 (user without about_me/last_seen, no followers table);
- "2017": password_hash String(128), followers without a primary key, naive utcnow;
- "2024": password_hash String(256), followers with a primary key, aware UTC defaults.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

FLASKR_SCHEMA = """
DROP TABLE IF EXISTS user;
DROP TABLE IF EXISTS post;

CREATE TABLE user (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT UNIQUE NOT NULL,
  password TEXT NOT NULL
);

CREATE TABLE post (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  author_id INTEGER NOT NULL,
  created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  FOREIGN KEY (author_id) REFERENCES user (id)
);
"""

# Flask before 1.0: one admin from the config file, entries without authors.
OLD_FLASKR_SCHEMA = """
create table entries (
  id integer primary key autoincrement,
  title text not null,
  'text' text not null
);
"""

FlaskrUser = tuple[int, str, str]  # id, username, werkzeug hash
FlaskrPost = tuple[
    int, int, str | None, str, str
]  # id, author_id, created (None: now), title, body


def make_flaskr(
    path: Path, users: Iterable[FlaskrUser] = (), posts: Iterable[FlaskrPost] = ()
) -> Path:
    """A Flaskr instance database (``instance/flaskr.sqlite``) holding these rows."""
    connection = sqlite3.connect(path)
    try:
        connection.executescript(FLASKR_SCHEMA)
        add_flaskr_rows(connection, users, posts)
    finally:
        connection.close()
    return path


def add_flaskr_rows(
    connection: sqlite3.Connection, users: Iterable[FlaskrUser], posts: Iterable[FlaskrPost]
) -> None:
    with connection:
        connection.executemany(
            "INSERT INTO user (id, username, password) VALUES (?, ?, ?)", list(users)
        )
        for post_id, author, created, title, body in posts:
            if created is None:  # what Flaskr's create view does: the column default
                connection.execute(
                    "INSERT INTO post (id, author_id, title, body) VALUES (?, ?, ?, ?)",
                    (post_id, author, title, body),
                )
            else:
                connection.execute(
                    "INSERT INTO post (id, author_id, created, title, body) VALUES (?,?,?,?,?)",
                    (post_id, author, created, title, body),
                )


def microblog_metadata(edition: str) -> sa.MetaData:
    metadata = sa.MetaData()
    hash_length = 128 if edition == "2017" else 256
    user_columns: list[sa.Column[object]] = [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), index=True, unique=True, nullable=False),
        sa.Column("email", sa.String(120), index=True, unique=True, nullable=False),
        sa.Column("password_hash", sa.String(hash_length)),
    ]
    if edition != "ch4":
        user_columns += [
            sa.Column("about_me", sa.String(140)),
            sa.Column("last_seen", sa.DateTime),
        ]
    sa.Table("user", metadata, *user_columns)
    sa.Table(
        "post",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("body", sa.String(140), nullable=False),
        sa.Column("timestamp", sa.DateTime, index=True, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("user.id"), index=True, nullable=False),
        *([sa.Column("language", sa.String(5))] if edition != "ch4" else []),
    )
    if edition == "2017":
        sa.Table(
            "followers",
            metadata,
            sa.Column("follower_id", sa.Integer, sa.ForeignKey("user.id")),
            sa.Column("followed_id", sa.Integer, sa.ForeignKey("user.id")),
        )
    elif edition == "2024":
        sa.Table(
            "followers",
            metadata,
            sa.Column("follower_id", sa.Integer, sa.ForeignKey("user.id"), primary_key=True),
            sa.Column("followed_id", sa.Integer, sa.ForeignKey("user.id"), primary_key=True),
        )
    return metadata


MicroblogUser = tuple[int, str, str | None, str | None, datetime | None]
# id, username, password_hash, about_me, last_seen
MicroblogPost = tuple[int, int, datetime, str]  # id, user_id, timestamp, body


async def make_microblog(
    url: str,
    edition: str = "2024",
    users: Sequence[MicroblogUser] = (),
    posts: Sequence[MicroblogPost] = (),
    follows: Sequence[tuple[int, int]] = (),
) -> None:
    """Create the edition's tables at ``url`` (async driver) and insert these rows."""
    metadata = microblog_metadata(edition)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)
            await connection.run_sync(metadata.create_all)
            user = metadata.tables["user"]
            rows = []
            for user_id, username, password_hash, about_me, last_seen in users:
                row: dict[str, object] = {
                    "id": user_id,
                    "username": username,
                    "email": f"{user_id}@example.com",
                    "password_hash": password_hash,
                }
                if edition != "ch4":
                    row |= {"about_me": about_me, "last_seen": last_seen}
                rows.append(row)
            if rows:
                await connection.execute(user.insert(), rows)
            if posts:
                await connection.execute(
                    metadata.tables["post"].insert(),
                    [{"id": i, "user_id": u, "timestamp": t, "body": b} for i, u, t, b in posts],
                )
            if follows:
                await connection.execute(
                    metadata.tables["followers"].insert(),
                    [{"follower_id": a, "followed_id": b} for a, b in follows],
                )
    finally:
        await engine.dispose()
