"""Workbooks parsed ahead (importers.prefetch): which files an import command line names, and
that a prefetched workbook reads exactly like one opened afresh, or is not used at all."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledgers import ENT_HEADERS, HAZ_HEADERS, ent_rows, haz_rows, write_csv, xlsx
from zjsafety.errors import UnreadableInput
from zjsafety.importers import prefetch
from zjsafety.importers.reader import open_ledger


@pytest.fixture(autouse=True)
def no_leftover_jobs():
    prefetch._jobs.clear()
    yield
    prefetch._jobs.clear()


def rows_of(path: Path) -> list[list]:
    return [list(r) for r in open_ledger(path).sheets[0].rows()]


def test_import_command_line_names_the_workbooks_to_prefetch(tmp_path):
    a = xlsx(tmp_path / "a.xlsx", ENT_HEADERS, ent_rows())
    folder = tmp_path / "乡镇"
    folder.mkdir()
    b = xlsx(folder / "b.xlsx", ENT_HEADERS, ent_rows())
    write_csv(folder / "c.csv", ENT_HEADERS, ent_rows())  # text: read directly, nothing to prefetch
    xlsx(folder / "~$b.xlsx", ENT_HEADERS, ent_rows())  # Excel's lock file
    errs = tmp_path / "退回"
    errs.mkdir()
    xlsx(errs / "old.xlsx", ENT_HEADERS, ent_rows())  # the --errors-to folder is not a ledger
    prefetch.start_from_argv(["--db", str(tmp_path / "x.db"), "--debug", "import", str(a), "--kind", "enterprise",
                              str(folder), "--errors-to", str(errs), "--json"])
    assert set(prefetch._jobs) == {a.resolve(), b.resolve()}


def test_other_commands_prefetch_nothing(tmp_path):
    a = xlsx(tmp_path / "a.xlsx", ENT_HEADERS, ent_rows())
    prefetch.start_from_argv(["audit", str(a)])
    prefetch.start_from_argv(["template", "import", "-o", str(a)])
    prefetch.start_from_argv(["--db", "import", "audit", str(a)])  # a database file named "import"
    assert prefetch._jobs == {}


def test_prefetched_workbook_reads_like_a_fresh_one(tmp_path):
    f = xlsx(tmp_path / "h.xlsx", HAZ_HEADERS, haz_rows(), title="隐患台账")
    fresh = rows_of(f)
    prefetch.start([f])
    assert prefetch._jobs[f.resolve()][1].done.wait(30)
    assert rows_of(f) == fresh
    assert prefetch._jobs == {}  # taken once


def test_file_changed_after_prefetch_is_read_again(tmp_path):
    f = xlsx(tmp_path / "e.xlsx", ENT_HEADERS, ent_rows(3))
    prefetch.start([f])
    assert prefetch._jobs[f.resolve()][1].done.wait(30)
    time.sleep(0.01)
    xlsx(f, ENT_HEADERS, ent_rows(5))
    os.utime(f, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert len(rows_of(f)) == 6  # header + 5: the new content, not the prefetched 3 rows


def test_broken_workbook_prefetched_still_gets_the_ordinary_message(tmp_path):
    f = tmp_path / "坏.xlsx"
    f.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    prefetch.start([f])
    assert prefetch._jobs[f.resolve()][1].done.wait(30)
    with pytest.raises(UnreadableInput, match="坏.xlsx"):
        open_ledger(f)


def test_installed_command_imports_with_prefetch(tmp_path):
    """Through `python -m zjsafety` (the entry point that prefetches), same result as the library."""
    ent = xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows())
    haz = xlsx(tmp_path / "隐患.xlsx", HAZ_HEADERS, haz_rows())
    db = tmp_path / "p.db"
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    p = subprocess.run([sys.executable, "-m", "zjsafety", "--db", str(db), "import", str(haz), str(ent), "--json"],
                       capture_output=True, text=True, encoding="utf-8", env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert [f["kind"] for f in out["files"]] == ["hazard", "enterprise"]
    assert out["totals"]["inserted"] == len(ent_rows()) + len(haz_rows())
    assert out["totals"]["rejected"] == 0


def test_what_the_prefetch_threads_use_is_imported_before_they_start(tmp_path):
    """A first import in a prefetch thread while the main thread imports Typer and pydantic raced in
    importlib's start-up (about 1 import in 40 died with NameError in importlib._bootstrap): the
    modules the jobs use must already be loaded, by the main thread, when the first job starts."""
    f = xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows())
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from zjsafety.importers import prefetch\n"
        "seen = []\n"
        "real = prefetch._Job.__init__\n"
        "def init(self, path):\n"
        "    seen.append(all(m in sys.modules for m in ('python_calamine', 'zipfile', 'importlib.util',\n"
        "                                               'zjsafety.importers.xlsx_chunks')))\n"
        "    real(self, path)\n"
        "prefetch._Job.__init__ = init\n"
        "prefetch.start([Path(sys.argv[1])])\n"
        "print(seen)\n")
    r = subprocess.run([sys.executable, "-c", probe, str(f)], capture_output=True, text=True)
    assert r.stdout.strip() == "[True]", r.stdout + r.stderr
