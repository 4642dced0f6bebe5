"""Which #tags a post has, and the key they are matched by."""

from __future__ import annotations

import pytest

from bot.domain.hashtags import MAX_TAGS_PER_POST, find_tags, post_tag_keys, tag_key


@pytest.mark.parametrize(
    ("body", "keys"),
    [
        ("#rust is fun", ["rust"]),
        ("I love #Rust, #RUST and #rust!", ["rust", "rust", "rust"]),
        ("full width ＃Ｒｕｓｔ too", ["rust"]),
        ("#café_crème #हिन्दी #東京 #ελλάδα", ["café_crème", "हिन्दी", "東京", "ελλάδα"]),
        ("#straße", ["strasse"]),  # casefold
        ("#ﬁsh", ["fish"]),  # NFKC
        ("#2024 #123abc #a1", ["123abc", "a1"]),  # needs a letter
        ("bug #123 fixed", []),
        ("C# and a#b are not tags", []),
        ("&#39; is an entity", []),
        ("##double", []),
        ("#", []),
        ("# spaced", []),
        ("(#paren) [#bracket] #end.", ["paren", "bracket", "end"]),
        ("#snake_case_", ["snake_case_"]),
        ("#a-b", ["a"]),
        ("#" + "x" * 64, ["x" * 64]),
        ("#" + "x" * 65, []),  # longer is not a tag
        ("#emoji🙂", ["emoji"]),
    ],
)
def test_find_tags(body: str, keys: list[str]) -> None:
    assert [tag.key for tag in find_tags(body)] == keys


def test_spans_point_at_the_text() -> None:
    body = "a #Tag here"
    (tag,) = find_tags(body)
    assert body[tag.start : tag.end] == "#Tag" and tag.text == "#tag"


def test_post_tags_are_distinct_and_bounded() -> None:
    assert post_tag_keys("#b #a #B #a") == ["b", "a"]
    many = " ".join(f"#t{n}" for n in range(MAX_TAGS_PER_POST + 5))
    assert len(post_tag_keys(many)) == MAX_TAGS_PER_POST


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Rust", "rust"),
        ("ｒｕｓｔ", "rust"),
        ("", None),
        ("12", None),
        ("a b", None),
        ("c++", None),
    ],
)
def test_tag_key(name: str, key: str | None) -> None:
    assert tag_key(name) == key
