"""The example in discord_double/README.md runs as written, so the README stays true."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[2] / "discord_double" / "README.md"


async def test_the_readme_example_runs() -> None:
    (example,) = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    namespace: dict[str, Any] = {}
    exec(compile(example, str(README), "exec"), namespace)  # noqa: S102 (our own README)
    await namespace["test_hello_through_the_real_client"]()
