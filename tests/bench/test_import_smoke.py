"""The import benchmark's smoke run: a tiny Flaskr database into both backends, counted.

Not a performance test: it proves ``python -m bench.importing`` still runs end to end and
checks what it imported, so the full run is worth starting.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.importing import main
from tests import databases


async def test_the_import_benchmark_runs_small_on_both_backends(tmp_path: Path) -> None:
    server = databases.require_postgres()
    code = await main(
        ["--users", "30", "--posts", "600", "--postgres-url", server, "--out", str(tmp_path)]
    )
    assert code == 0
    report = json.loads((tmp_path / "import.json").read_text())
    assert set(report["results"]) == {"sqlite", "postgres"}
    for row in report["results"].values():
        assert (row["users"], row["posts"]) == (30, 600)
        assert row["seconds"] < 60
    assert "| sqlite |" in (tmp_path / "import.md").read_text()
