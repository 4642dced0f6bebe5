"""Reading the container files as Docker does, for tests that have no Docker engine.

A Dockerfile is a list of instructions split into stages; a .dockerignore is a list of
patterns where the last match wins and a match on a directory covers what is inside it.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shlex
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, ...
    value: str  # the rest, with line continuations joined and --flags removed
    flags: dict[str, str] = field(default_factory=dict)

    def exec_form(self) -> list[str]:
        """A JSON-array argument (CMD ["python", ...]); shell form is refused, not guessed."""
        value = self.value
        if self.keyword == "HEALTHCHECK":
            kind, _, value = value.partition(" ")
            assert kind == "CMD", self.value
        parsed = json.loads(value)
        assert isinstance(parsed, list), self.value
        return [str(part) for part in parsed]


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None


def instructions(text: str) -> Iterator[Instruction]:
    logical = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and logical):
            continue  # comments (and parser directives) may sit inside a continuation
        if stripped.endswith("\\"):
            logical += stripped[:-1] + " "
            continue
        logical += stripped
        if logical.strip():
            yield _instruction(logical.strip())
        logical = ""


def _instruction(line: str) -> Instruction:
    keyword, _, rest = line.partition(" ")
    flags: dict[str, str] = {}
    rest = rest.strip()
    while rest.startswith("--"):
        flag, _, rest = rest.partition(" ")
        name, _, value = flag[2:].partition("=")
        flags[name] = value
        rest = rest.strip()
    return Instruction(keyword.upper(), rest, flags)


def stages(text: str) -> tuple[dict[str, str], list[Stage]]:
    """(ARGs declared before the first FROM, the stages in order)."""
    args: dict[str, str] = {}
    result: list[Stage] = []
    for instruction in instructions(text):
        if instruction.keyword == "FROM":
            words = instruction.value.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            result.append(Stage(expand(words[0], args), name))
        elif not result:
            assert instruction.keyword == "ARG", f"{instruction.keyword} before FROM"
            key, _, default = instruction.value.partition("=")
            args[key] = default
        else:
            result[-1].instructions.append(instruction)
    return args, result


def env_pairs(instruction: Instruction, env: dict[str, str]) -> dict[str, str]:
    """ENV KEY=VALUE ... with $VAR / ${VAR} expanded from ``env``, as Docker does."""
    pairs = {}
    for word in shlex.split(instruction.value):
        key, sep, value = word.partition("=")
        assert sep, f"ENV {instruction.value!r}: only the KEY=VALUE form is supported"
        pairs[key] = expand(value, {**env, **pairs})
    return pairs


def expand(text: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env.get(m.group(1) or m.group(2), ""), text)


def dockerignore(text: str) -> Callable[[str], bool]:
    """``ignored(path)`` for slash-separated paths relative to the build context."""
    rules: list[tuple[bool, re.Pattern[str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        pattern = posixpath.normpath(line.removeprefix("!").strip()).lstrip("/")
        rules.append((keep, re.compile(_pattern_regex(pattern))))

    def ignored(path: str) -> bool:
        parts = path.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        result = False
        for keep, regex in rules:
            if any(regex.fullmatch(prefix) for prefix in prefixes):
                result = not keep
        return result

    return ignored


def _pattern_regex(pattern: str) -> str:
    regex, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        elif pattern[i] == "*":
            regex, i = regex + "[^/]*", i + 1
        elif pattern[i] == "?":
            regex, i = regex + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            regex, i = regex + pattern[i : end + 1], end + 1
        else:
            regex, i = regex + re.escape(pattern[i]), i + 1
    return regex


def build_context(root: Path, destination: Path) -> list[str]:
    """Copy what ``docker build`` would send from ``root``; returns the relative paths."""
    ignored = dockerignore((root / ".dockerignore").read_text(encoding="utf-8"))
    sent = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if d != ".git"]
        for name in files:
            source = Path(directory, name)
            relative = source.relative_to(root).as_posix()
            if not ignored(relative):
                (destination / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination / relative)
                sent.append(relative)
    return sorted(sent)
