"""The import pipeline: plan every sheet of every file, then load them in dependency order.

The whole call runs in one transaction: `--strict` rolls it back when any row was rejected,
`--dry-run` always rolls back (so references between files given together are still
checked), and a crash or Ctrl-C leaves the database as it was.
"""

from __future__ import annotations

import gc
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Iterator


from .. import refdata
from ..errors import UnreadableInput, UsageError
from ..findings import Finding
from ..normalize import clean_text, fold
from ..store import records as sql
from .headers import HeaderMap, Synonyms, col_letter, detect, load_synonyms, SCAN_ROWS
from .fields import SpecialCell
from .reader import Ledger, Sheet, expand_paths, open_ledger
from .loader import Loader

BATCH = 2000


@dataclass
class SheetResult:
    path: str
    sha256: str
    kind: str | None
    sheet: str | None
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0  # blank and totals rows
    findings: list[Finding] = field(default_factory=list)
    header_row: int | None = None  # Excel number of the (last) header row
    columns: dict[str, str] = field(default_factory=dict)  # letter -> field

    def to_dict(self) -> dict:
        return {"path": self.path, "sha256": self.sha256, "kind": self.kind, "sheet": self.sheet,
                "rows": self.rows, "inserted": self.inserted, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected, "skipped": self.skipped,
                "findings": [f.to_dict() for f in self.findings]}


@dataclass
class ImportResult:
    files: list[SheetResult]
    committed: bool
    dry_run: bool = False
    strict: bool = False

    @property
    def totals(self) -> dict[str, int]:
        keys = ("rows", "inserted", "updated", "unchanged", "rejected", "skipped")
        t = {k: sum(getattr(f, k) for f in self.files) for k in keys}
        t["findings"] = sum(len(f.findings) for f in self.files)
        t["errors"] = sum(1 for f in self.files for x in f.findings if x.severity == "error")
        return t

    @property
    def exit_code(self) -> int:
        return 1 if any(x.severity == "error" for f in self.files for x in f.findings) else 0

    def to_dict(self) -> dict:
        return {"files": [f.to_dict() for f in self.files], "totals": self.totals,
                "committed": self.committed, "dry_run": self.dry_run, "strict": self.strict}


@dataclass
class _Unit:
    ledger: Ledger
    sheet: Sheet
    hmap: HeaderMap
    order: int


Progress = Callable[[str, int, int | None], None]  # (label, rows done so far, total or None)


def import_files(conn: sqlite3.Connection, paths: Iterable[Path], *, kind: str | None = None,
                 county: str | None = None, map_file: Path | None = None, strict: bool = False,
                 dry_run: bool = False, include_hidden: bool = False,
                 progress: Progress | None = None) -> ImportResult:
    """Import ledger files. Raises UnreadableInput (nothing written) if any file cannot be read."""
    kinds = refdata.kinds()
    if kind is not None and kind not in kinds:
        raise UsageError(f"未知的台账类型“{kind}”，可用：{'、'.join(kinds)}")
    if county is not None:
        from .. import divisions
        from ..normalize import CellError
        try:
            county = divisions.resolve(county)
        except CellError as e:
            raise UsageError(f"--county：{e.message}") from None
    files = expand_paths(list(paths))
    if not files:
        raise UsageError("没有找到要导入的台账文件（.xlsx .xls .ods .csv）。")
    syn = load_synonyms(map_file)
    ledgers = [open_ledger(p, include_hidden=include_hidden) for p in files]  # all readable, or stop here
    units, results = _plan(ledgers, syn, kind)
    units.sort(key=lambda u: u.order)
    today = date.today().isoformat()
    rejected_ents: set[str] = set()  # enterprises refused in this call, to explain later misses
    with _maybe_commit(conn, dry_run=dry_run) as state, _bulk_gc(), sql.import_cache(conn):
        for u in units:
            res = _load_unit(conn, u, county, today, progress, rejected_ents)
            results.append(res)
            if strict and res.rejected:
                state["rollback"] = True
        if strict and any(x.severity == "error" for r in results for x in r.findings):
            state["rollback"] = True
    order = {str(p): i for i, p in enumerate(files)}
    results.sort(key=lambda r: (order.get(r.path, 0), r.sheet or ""))
    return ImportResult(results, committed=not state["rollback"], dry_run=dry_run, strict=strict)


@contextmanager
def _bulk_gc() -> Iterator[None]:
    """Fewer cyclic-GC passes while rows stream through: each batch of 2000 rows makes and drops
    tens of thousands of tuples, and at the default threshold (700) the collector ran ~900
    times per 100k rows, walking every object the program had loaded (0.4 s of 6). Objects
    alive now are frozen out of its way; freed by reference counting, rows never need it."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(20_000, 20, 10)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


class _maybe_commit:
    """One transaction for the whole call; rolled back for dry runs and failed strict runs."""

    def __init__(self, conn, *, dry_run):
        self.conn, self.state = conn, {"rollback": dry_run}

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.state

    def __exit__(self, et, ev, tb):
        if et is not None or self.state["rollback"]:
            self.conn.execute("ROLLBACK")
            self.state["rollback"] = True
        else:
            self.conn.execute("COMMIT")
        return False


def _head(sheet: Sheet, n: int) -> list[list]:
    out = []
    for i, row in enumerate(sheet.rows()):
        if i >= n:
            break
        out.append(row)
    return out


def _plan(ledgers: list[Ledger], syn: Synonyms, kind: str | None) -> tuple[list[_Unit], list[SheetResult]]:
    kinds = refdata.kinds()
    units: list[_Unit] = []
    results: list[SheetResult] = []
    for led in ledgers:
        path = str(led.path)
        ignore = set(refdata.load_toml("import.toml")["ignore_sheets"])
        for name, why in led.skipped_sheets:
            if name in ignore:
                continue
            r = SheetResult(path, led.sha256, None, name)
            r.findings.append(Finding("hidden_sheet", f"工作表“{name}”未导入：{why}", path, name, severity="warning"))
            results.append(r)
        if not led.sheets:
            raise UnreadableInput(f"“{led.path.name}”中没有可导入的工作表。")
        file_units, hollow = 0, 0  # sheets imported; sheets empty or with headers only
        file_results: list[SheetResult] = []
        sheets = [sh for sh in led.sheets if sh.name not in ignore]
        if not sheets and not led.skipped_sheets:
            raise UnreadableInput(f"“{led.path.name}”中只有说明页，没有台账。")
        for sh in sheets:
            head = _head(sh, SCAN_ROWS + 2)  # enough to find the header and see a data row
            if not any(clean_text(v) is not None for row in head for v in row):
                r = SheetResult(path, led.sha256, None, sh.name)
                r.findings.append(Finding("empty_sheet", f"工作表“{sh.name}”是空的", path, sh.name, severity="warning"))
                file_results.append(r)
                hollow += 1
                continue
            hmap, ranking = detect(head, sh.name, syn, kind=kind, merged=sh.merged)
            if hmap is None:
                r = SheetResult(path, led.sha256, kind, sh.name)
                labels = "、".join(f"{v['label']}({k})" for k, v in kinds.items())
                msg = (f"工作表“{sh.name}”前 {SCAN_ROWS} 行中找不到{kinds[kind]['label']}的表头"
                       f"（必需列：{'、'.join(kinds[kind]['required'])}）" if kind else
                       f"工作表“{sh.name}”不是已知的台账（找不到可识别的表头），未导入。可识别的台账：{labels}；"
                       f"如果列名写法特殊，可用 --map 指定，或用 --kind 指定类型")
                r.findings.append(Finding("unrecognised_sheet", msg, path, sh.name))
                file_results.append(r)
                continue
            if not kind and len(ranking) > 1 and ranking[0][1] == ranking[1][1]:
                r = SheetResult(path, led.sha256, None, sh.name)
                cands = "、".join(f"{kinds[k]['label']}({k})" for k, s in ranking if s == ranking[0][1])
                r.findings.append(Finding("ambiguous_sheet", f"工作表“{sh.name}”可能是：{cands}，请用 --kind 指定",
                                          path, sh.name))
                file_results.append(r)
                continue
            has_data = any(clean_text(v) is not None for row in head[hmap.data_start:] for v in row)
            if not has_data and len(head) < SCAN_ROWS + 2:
                r = SheetResult(path, led.sha256, hmap.kind, sh.name)
                r.findings.append(Finding("empty_sheet", f"工作表“{sh.name}”只有表头，没有数据行", path, sh.name,
                                          severity="warning"))
                file_results.append(r)
                hollow += 1
                continue
            units.append(_Unit(led, sh, hmap, kinds[hmap.kind]["order"]))
            file_units += 1
        if file_units == 0 and hollow == len(sheets):
            what = "是空的（没有任何数据）" if all(
                r.findings[0].message.endswith("是空的") for r in file_results) else "只有表头，没有数据行"
            raise UnreadableInput(f"“{led.path.name}”{what}，未导入。")
        results.extend(file_results)
    return units, results


@lru_cache(maxsize=1)
def _totals() -> frozenset[str]:
    return frozenset(fold(w).rstrip(":：") for w in refdata.load_toml("import.toml")["totals_words"])


def _is_totals(row: list) -> bool:
    """A 合计/小计 row: one of its first three filled cells says so."""
    seen = 0
    for v in row:
        if v is None or v == "":
            continue
        if v.__class__ is str and "计" in v and fold(v).rstrip(":：") in _totals():
            return True
        seen += 1
        if seen >= 3:
            return False
    return False


def _blank(values) -> bool:
    for v in values:
        if v is None or v == "":
            continue
        if v.__class__ is str and not v.strip():
            continue
        return False
    return True


def _load_unit(conn: sqlite3.Connection, u: _Unit, default_county: str | None, today: str,
               progress: Progress | None, rejected_ents: set[str]) -> SheetResult:
    led, sh, hm = u.ledger, u.sheet, u.hmap
    path = str(led.path)
    res = SheetResult(path, led.sha256, hm.kind, sh.name, header_row=hm.header_rows[-1] + 1,
                      columns={col_letter(c): f for c, f in hm.columns.items()})
    for c, text in hm.unknown:
        res.findings.append(Finding("unknown_column", f"列“{text}”无法识别，已忽略（可用 --map 指定对应字段）",
                                    path, sh.name, hm.header_rows[0] + 1, col_letter(c), text, severity="warning"))
    batch_id = sql.new_batch(conn, path=str(led.path.resolve()), file_name=led.path.name, sha256=led.sha256,
                             kind=hm.kind, sheet=sh.name)
    loader = Loader(conn, hm, res, batch_id, default_county, today, rejected_ents)
    label = f"{led.path.name}:{sh.name}"
    pending: list[tuple[int, tuple]] = []
    cols = list(hm.columns.items())
    special = sh.special
    idxs = [c for c, _ in cols]
    width = max(idxs) + 1
    pick = itemgetter(*idxs) if len(idxs) > 1 else (lambda r: (r[idxs[0]],))
    # the picked cells in the row type's field order; a field no column maps to reads the
    # blank appended after the picked cells
    at = {f: k for k, (_, f) in enumerate(cols)}
    order = itemgetter(*[at.get(f, len(cols)) for f in loader.fields])
    blank = ("",)
    with sql.indexes_after_load(conn, loader.spec.table):
        for i, row in enumerate(islice(sh.rows(), hm.data_start, None), start=hm.data_start):
            if len(row) < width:  # ragged rows (csv, some xls): pad
                row = row + [""] * (width - len(row))
            vals = pick(row)
            marked = bool(special) and any((i, c) in special for c in idxs)
            if not marked and _blank(vals):
                if not _blank(row):
                    res.skipped += 1  # only unmapped columns filled: nothing of ours
                continue
            if marked:
                vals = tuple(SpecialCell(*special[(i, c)]) if (i, c) in special else v for c, v in zip(idxs, vals))
            if _is_totals(row):
                res.skipped += 1
                continue
            pending.append((i + 1, order(vals + blank)))
            if len(pending) >= BATCH:
                loader.store(loader.check(pending))
                pending = []
                if progress:
                    progress(label, res.rows, None)
        loader.store(loader.check(pending))
        if progress:
            progress(label, res.rows, None)
    res.findings.sort(key=lambda f: (f.row or 0, f.column or ""))
    if res.rows == 0 and not res.findings:
        res.findings.append(Finding("empty_sheet", f"工作表“{sh.name}”只有表头，没有数据行", path, sh.name,
                                    severity="warning"))
    sql.finish_batch(conn, batch_id, {"rows": res.rows, "inserted": res.inserted, "updated": res.updated,
                                      "unchanged": res.unchanged, "rejected": res.rejected})
    return res
