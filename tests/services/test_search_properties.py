"""Property tests on both databases: a word in a post finds the post, a #tag finds it, and no
query whatever makes the search raise anything but a UserError."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.config import SearchSettings
from bot.db.engine import Database
from bot.domain.errors import UserError
from bot.domain.hashtags import find_tags
from bot.domain.search_query import fold
from bot.domain.values import ChatUser
from bot.services.auth import AuthService
from bot.services.posts import PostService
from bot.services.search import SearchService
from tests.conftest import STRONG_PASSWORD, FakeClock
from tests.services.test_properties import TRICKY, any_text

PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("SEARCH_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # state is checked per example
)
# Letters of many scripts (cased and not), digits and marks that belong to words.
letters = st.characters(categories=["Lu", "Ll", "Lt", "Lo", "Nd"], max_codepoint=0x2FFFF)
words = st.text(letters, min_size=1, max_size=12)
separators = st.sampled_from([" ", "  ", "\n", ", ", ". ", "! ", " (", ") ", " — "])


@pytest.fixture
def search(database: Database, auth: AuthService, clock: FakeClock) -> SearchService:
    return SearchService(database, auth, SearchSettings(), clock)


@pytest.fixture
async def poster(auth: AuthService) -> ChatUser:
    chat = ChatUser("discord", "77")
    await auth.register(chat, "poster", STRONG_PASSWORD)
    return chat


async def _publish(posts: PostService, clock: FakeClock, chat: ChatUser, body: str) -> int:
    clock.advance(seconds=1)  # newest first: the new post leads its results
    return (await posts.create_post(chat, body)).id


@PROPERTY_SETTINGS
@given(
    word=words,
    before=st.lists(words, max_size=6),
    after=st.lists(words, max_size=6),
    glue=separators,
)
async def test_every_post_containing_a_word_is_found_by_it(
    posts: PostService,
    search: SearchService,
    clock: FakeClock,
    poster: ChatUser,
    word: str,
    before: list[str],
    after: list[str],
    glue: str,
) -> None:
    body = glue.join([*before, word, *after])
    assume(body.strip() and len(body) <= 500)
    post_id = await _publish(posts, clock, poster, body)
    # Other casings find it when they are the same word under casefolding (not "I" for
    # the Turkish "ı": its upper case is "I", whose fold is "i").
    variants = [typed for typed in (word.upper(), word.lower()) if fold(typed) == fold(word)]
    for typed in (word, fold(word), *variants):
        page = await search.search(typed)
        assert post_id in [post.id for post in page.posts], (typed, body)


@PROPERTY_SETTINGS
@given(tag=words, prefix=st.lists(words, max_size=4))
async def test_every_tag_in_a_post_finds_it(
    posts: PostService,
    search: SearchService,
    clock: FakeClock,
    poster: ChatUser,
    tag: str,
    prefix: list[str],
) -> None:
    body = " ".join([*prefix, f"#{tag}"])
    assume(len(body) <= 500)
    found = find_tags(body)
    assume(found)  # e.g. "#123" is no tag
    post_id = await _publish(posts, clock, poster, body)
    for hashtag in found:
        page = await search.search(f"#{hashtag.key}")
        assert post_id in [post.id for post in page.posts], body
        page = await search.search(body[hashtag.start : hashtag.end])  # as written
        assert post_id in [post.id for post in page.posts], body


@pytest.fixture
async def bait(posts: PostService, clock: FakeClock, poster: ChatUser) -> int:
    """A post made of the operators' words, for hostile queries to find."""
    return await _publish(posts, clock, poster, "NEAR AND OR NOT from before after post_fts x")


OPERATORS = [
    "NEAR(",
    ")",
    "AND",
    "OR",
    "NOT",
    "*",
    "^",
    ":",
    "{",
    "}",
    "+",
    "-",
    '"',
    "'",
    "&",
    "|",
    "!",
    "<->",
    "<2>",
    ":*",
    "from:",
    "#",
    "before:",
    "after:",
    "\\",
    "%",
    "_",
    "post_fts",
    "search_text:",
]
hostile = st.one_of(
    any_text,
    st.lists(st.sampled_from(OPERATORS + TRICKY) | words, max_size=20).map(" ".join),
    st.lists(st.sampled_from(OPERATORS + TRICKY) | words, max_size=20).map("".join),
    st.sampled_from(["x" * 10_000, "\x00", "\u200f", "a\u202eb", '"' * 7, "#" * 40]),
)


@PROPERTY_SETTINGS
@given(query=hostile, order=st.sampled_from(["newest", "best"]))
async def test_hostile_queries_get_results_or_a_sentence(
    search: SearchService, bait: int, query: str, order: str
) -> None:
    try:
        page = await search.search(query, order=order)
    except UserError as error:
        refusal = str(error)
    else:
        refusal = None
    if refusal is not None:
        assert refusal.endswith("."), refusal  # a finished sentence
        return
    assert len(page.posts) <= 5
    if page.next:
        await search.search(query, page.next, order=order)
