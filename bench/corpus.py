"""Post bodies with the word distribution of real text, so "rare" and "common" mean something.

Word frequencies in any language follow Zipf's law: the word of rank r turns up about 1/r
as often as the most common one. The vocabulary is a short list of everyday English words
followed by ~300,000 made-up ones; at 1M posts the top words are in most posts and the
long tail's words in a handful. One post in five carries one or two #tags, themselves
Zipf-distributed over 2,000 tags. The generator remembers how often each word was drawn,
so the search benchmark can pick genuinely rare and common words afterwards.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

COMMON = (  # noqa: SIM905 (a word list reads better as prose)
    "the a of and to in is it that was for on are with as at be this have from or one had by "
    "but not what all were we when your can said there use an each which she do how their if "
    "will up other about out many then them these so some her would make like him into time "
    "has look two more write go see number no way could people my than first water been call "
    "who oil its now find long down day did get come made may part coffee release deploy bug "
    "fixed shipped today tomorrow weekend train late again finally new build test green red "
    "cat dog garden rain sun cloud music playlist concert book reading chapter recipe bread "
    "soup tea morning night code review merge branch server database index query cache"
).split()
_ONSETS = "b c d f g h j k l m n p r s t v w z br ch cr dr fl gr kl pl pr sh st th tr".split()  # noqa: SIM905
_NUCLEI = "a e i o u ai ea ee oo ou".split()  # noqa: SIM905
_CODAS = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st"]
VOCABULARY_SIZE = 300_000
TAG_COUNT = 2_000
TAGGED_SHARE = 0.2
MIN_WORDS, MAX_WORDS = 3, 45
MAX_BODY = 500
SAMPLES = 20


def _made_up_words(count: int, rng: random.Random) -> list[str]:
    syllables = [o + n + c for o in _ONSETS for n in _NUCLEI for c in _CODAS]
    seen = set(COMMON)
    words: list[str] = []
    while len(words) < count:
        word = "".join(rng.choice(syllables) for _ in range(rng.choice((1, 2, 2, 3))))
        if word not in seen and len(word) <= 14:
            seen.add(word)
            words.append(word)
    return words


def _zipf_cumulative(count: int) -> list[float]:
    return list(itertools.accumulate(1 / rank for rank in range(1, count + 1)))


@dataclass
class Corpus:
    """Draws bodies; ``drawn`` counts each word's occurrences so far."""

    seed: int = 6
    vocabulary: list[str] = field(init=False)
    tags: list[str] = field(init=False)
    drawn: Counter[str] = field(default_factory=Counter)
    tag_uses: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)  # a few bodies, from the whole history
    _seen: int = 0

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)  # noqa: S311 (repeatable data, not secrets)
        self.vocabulary = COMMON + _made_up_words(VOCABULARY_SIZE - len(COMMON), rng)
        # Tags are words from the middle of the vocabulary: neither "the" nor unique.
        self.tags = self.vocabulary[500 : 500 + TAG_COUNT]
        self._word_weights = _zipf_cumulative(len(self.vocabulary))
        self._tag_weights = _zipf_cumulative(TAG_COUNT)
        self.rng = random.Random(self.seed + 1)  # noqa: S311
        self._sampler = random.Random(self.seed + 2)  # noqa: S311 (apart: bodies stay the same)

    def bodies(self, count: int) -> Iterator[tuple[str, list[str]]]:
        """``count`` (body, tag keys) pairs; drawn in chunks, one ``choices`` call each."""
        rng = self.rng
        chunk = 50_000
        for start in range(0, count, chunk):
            size = min(chunk, count - start)
            lengths = [rng.randint(MIN_WORDS, MAX_WORDS) for _ in range(size)]
            words = rng.choices(self.vocabulary, cum_weights=self._word_weights, k=sum(lengths))
            self.drawn.update(words)
            offset = 0
            for length in lengths:
                text = " ".join(words[offset : offset + length])
                offset += length
                tags: list[str] = []
                if rng.random() < TAGGED_SHARE:
                    tags = list(
                        dict.fromkeys(
                            rng.choices(
                                self.tags, cum_weights=self._tag_weights, k=rng.choice((1, 1, 2))
                            )
                        )
                    )
                    self.tag_uses.update(tags)
                    text = " ".join([text[: MAX_BODY - 70], *(f"#{tag}" for tag in tags)])
                body = text[:MAX_BODY].capitalize()
                self._sample(body)
                yield body, tags

    def _sample(self, body: str) -> None:
        """Reservoir sampling: every body so far equally likely to be among the samples."""
        self._seen += 1
        if len(self.samples) < SAMPLES:
            self.samples.append(body)
        elif (slot := self._sampler.randrange(self._seen)) < SAMPLES:
            self.samples[slot] = body

    def words_drawn_between(self, low: int, high: int) -> list[str]:
        """Words drawn ``low`` to ``high`` times so far (a rare word: 2 to 10)."""
        return sorted(word for word, times in self.drawn.items() if low <= times <= high)
