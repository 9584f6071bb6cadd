"""The demo runs every stage on its made-up county and writes what it says it wrote."""

import json
from pathlib import Path

from conftest import Cli


def test_demo_runs_every_stage(tmp_path):
    folder = tmp_path / "演示"
    r = Cli(tmp_path / "unused.db")("demo", "--dir", folder, "--json", db=False)
    assert r.exit_code == 0, r.stderr
    s = json.loads(r.stdout)
    assert len(s["ledgers"]) == 11 and all(Path(p).exists() for p in s["ledgers"].values())
    assert s["import"]["inserted"] > 400 and s["import"]["rejected"] > 0  # the demo's deliberate mistakes
    assert s["error_books"] and Path(s["error_books"][0]).exists()
    assert sum(s["audit"].values()) == 13 and Path(s["audit_xlsx"]).exists()  # each of the pack's 13 rules once
    assert s["sample"]["verified"] and s["sample"]["selected"] > 0 and Path(s["sample_xlsx"]).exists()
    assert len(s["notices"]) == 3
    assert {Path(p).suffix for p in s["reports"]} == {".xlsx", ".docx", ".html"}
    assert all(Path(p).exists() for p in s["reports"])
    # running it again starts from a fresh database
    assert Cli(tmp_path / "unused.db")("demo", "--dir", folder, db=False).exit_code == 0
