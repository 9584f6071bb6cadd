"""Start parsing the workbooks an import names before the rest of the program has loaded.

calamine parses a whole sheet in one call that releases the GIL, so the parse runs on the
second core while the interpreter imports Typer, pydantic and our models (about 0.3 s), and
workbooks given together parse side by side. Measured on two cores, whole processes: a
10k-row ledger ~5% less wall time, three workbooks in one call ~15% less; a single 100k-row
one no measurable change (its parse outlasts the start-up and then shares the cores).

This is only a cache: `open_ledger` takes a prefetched workbook when there is one for the
same file, unchanged since (size and mtime), and otherwise reads the file itself. A prefetch
that fails is forgotten, so every error is reported by the ordinary path. It runs before the
CLI module is loaded; what its threads use is imported first, by the main thread (see start).
"""

from __future__ import annotations

import threading
from pathlib import Path

WORKBOOK_EXT = {".xlsx", ".xlsm", ".xls", ".ods"}
# options of `zjsafety [--db X] import ...` that take a value (which is not a ledger)
_VALUE_OPTIONS = {"--db", "--kind", "--county", "--map", "--errors-to"}
_MAX_PARALLEL = 2  # the machines offices use have two cores or more; more would only cost memory

_jobs: dict[Path, tuple[tuple[int, int], "_Job"]] = {}
_slots = threading.BoundedSemaphore(_MAX_PARALLEL)


class _Job:
    def __init__(self, path: Path):
        self.path = path
        self.done = threading.Event()
        self.value: tuple | None = None
        threading.Thread(target=self._run, name=f"prefetch {path.name}", daemon=True).start()

    def _run(self) -> None:
        try:
            with _slots:
                import python_calamine as pc
                from .xlsx_chunks import large_sheets, scan_started
                wb = pc.CalamineWorkbook.from_path(str(self.path))
                big = large_sheets(self.path) if self.path.suffix.lower() in (".xlsx", ".xlsm") else {}
                for member in big.values():  # their merges are needed first; the rows come in pieces
                    scan_started(self.path, member)
                sheets = {}
                for meta in wb.sheets_metadata:
                    if meta.name in big:  # read in pieces later, as it loads (xlsx_chunks)
                        continue
                    if meta.typ == pc.SheetTypeEnum.WorkSheet and meta.visible == pc.SheetVisibleEnum.Visible:
                        sheets[meta.name] = wb.get_sheet_by_name(meta.name)
                self.value = (wb, sheets)
        except BaseException:  # the ordinary path will read the file again and say what is wrong
            self.value = None
        finally:
            self.done.set()


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def start(paths: list[Path]) -> None:
    """Begin parsing each workbook among `paths` (folders: the workbooks in them)."""
    found: list[Path] = []
    for p in paths:
        try:
            files = sorted(p.iterdir()) if p.is_dir() else [p]
            found += [f for f in files
                      if f.suffix.lower() in WORKBOOK_EXT and not f.name.startswith(("~$", ".~")) and f.is_file()]
        except OSError:
            continue
    if not found:
        return
    # what the jobs use is imported here, before any of them starts: a first import of a module
    # (zipfile pulls in importlib.util) in a thread while the main thread imports Typer and pydantic
    # raced in importlib's own start-up — 1 import in ~40 died with "NameError: name 'sys' is not
    # defined" in importlib._bootstrap
    import python_calamine  # noqa: F401
    from . import xlsx_chunks  # noqa: F401
    for f in found:
        try:
            key = f.resolve()
            if key not in _jobs:
                _jobs[key] = (_stamp(f), _Job(f))
        except OSError:
            continue


def start_from_argv(argv: list[str]) -> None:
    """Prefetch the ledgers of an `import` command line; any other command: nothing."""
    i, n = 0, len(argv)
    while i < n and argv[i].startswith("-"):  # global options before the command
        i += 2 if argv[i] in _VALUE_OPTIONS else 1
    if i >= n or argv[i] != "import":
        return
    paths, i = [], i + 1
    while i < n:
        a = argv[i]
        if a == "--":
            paths.extend(Path(x) for x in argv[i + 1:])
            break
        if a.startswith("-"):
            i += 2 if a in _VALUE_OPTIONS else 1
            continue
        paths.append(Path(a))
        i += 1
    start(paths)


def take(path: Path) -> tuple | None:
    """(workbook, {visible sheet name: parsed sheet}) if `path` was prefetched and is unchanged."""
    try:
        key = path.resolve()
        entry = _jobs.pop(key, None)
        if entry is None:
            return None
        stamp, job = entry
        job.done.wait()
        return job.value if job.value is not None and _stamp(path) == stamp else None
    except OSError:
        return None
