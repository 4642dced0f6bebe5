"""Unicode TS #39 skeletons: two strings are confusable when their skeletons are equal.

skeleton(s) = NFD(map every character of NFD(s) through confusables.txt), where
confusables.txt maps each *source* character to its *prototype* (one character or a short
sequence). The data comes from ``confusable-homoglyphs``, which ships Unicode's
confusables.txt as a JSON table of pairs; it keeps both directions of each pair and drops
which side was the source, so the prototypes are recovered from the shape of the data:

- Every line of confusables.txt links one source character to one prototype, and no
  prototype is itself a source (the mapping is idempotent). The pairs therefore form
  stars: one prototype with all its sources around it.
- The prototype of a star is its multi-character member if it has one, else the member
  linked to several others. A star of exactly two single characters does not say which one
  is the prototype; both then map to the lower code point. Skeleton *equality*, the only
  thing uniqueness needs, is the same whichever of the two is chosen, because that
  character is renamed everywhere, inside longer prototypes too.
"""

from __future__ import annotations

import functools
import unicodedata

from confusable_homoglyphs import utils as homoglyph_data

# The generator wrapped right-to-left characters in LEFT-TO-RIGHT MARKs for display; they
# are not part of the data (U+200E is not a source in confusables.txt).
_DISPLAY_MARK = "\u200e"


def skeleton(text: str) -> str:
    """TS #39 skeleton: NFD, map each character to its prototype, NFD again."""
    table = _table()
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", "".join(table.get(ch, ch) for ch in decomposed))


@functools.cache
def _table() -> dict[str, str]:
    """source character -> prototype, recovered from the pair table (see module docstring)."""
    raw: dict[str, list[dict[str, str]]] = homoglyph_data.load("confusables.json")
    neighbours: dict[str, set[str]] = {}
    for key, entries in raw.items():
        node = key.replace(_DISPLAY_MARK, "")
        for entry in entries:
            other = entry["c"].replace(_DISPLAY_MARK, "")
            if node and other and node != other:
                neighbours.setdefault(node, set()).add(other)
                neighbours.setdefault(other, set()).add(node)
    mapping: dict[str, str] = {}
    seen: set[str] = set()
    for start in neighbours:
        if start in seen:
            continue
        star = _component(start, neighbours)
        seen |= star
        prototype = _prototype(star, neighbours)
        for member in star:
            if member != prototype and len(member) == 1:
                mapping[member] = prototype
    # Rename inside prototypes as well (a two-character star's choice may appear in a
    # longer prototype); twice reaches the fixed point, as prototypes hold no sources.
    for _ in range(2):
        mapping = {
            source: "".join(mapping.get(ch, ch) for ch in target)
            for source, target in mapping.items()
        }
    return mapping


def _component(start: str, neighbours: dict[str, set[str]]) -> set[str]:
    found, todo = {start}, [start]
    while todo:
        for other in neighbours[todo.pop()]:
            if other not in found:
                found.add(other)
                todo.append(other)
    return found


def _prototype(star: set[str], neighbours: dict[str, set[str]]) -> str:
    sequences = [member for member in star if len(member) > 1]
    if sequences:
        return min(sequences)
    hubs = [member for member in star if len(neighbours[member]) > 1]
    if hubs:
        return min(hubs)
    return min(star)  # two single characters: see the module docstring
