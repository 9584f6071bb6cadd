"""The import pipeline: survey every file (hash, sheets, first rows), plan which sheet is
which ledger, then load the sheets in dependency order, one file open at a time, each sheet
read once, its rows validated (importers.loader) and stored (store.records).

The whole call runs in one transaction: `--strict` rolls it back when any row was rejected,
`--dry-run` always rolls back (so references between files given together are still
checked), and a crash or Ctrl-C leaves the database as it was.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterable, Iterator

from zjsafety.core import divisions, refdata
from zjsafety.core.errors import UnreadableInput, UsageError
from zjsafety.core.findings import Finding
from zjsafety.core.normalize import CONTROL, CellError, clean_text, fold
from zjsafety.importers import context
from zjsafety.importers.fields import SpecialCell, parse_level
from zjsafety.importers.headers import SCAN_ROWS, HeaderMap, Synonyms, col_letter, detect, diagnose, load_synonyms, rival, closest
from zjsafety.importers.loader import Loader
from zjsafety.importers.marked import HEAD, SUMMARY
from zjsafety.importers.records import SPECS
from zjsafety.importers.reader import Survey, Workbook, expand_paths, survey
from zjsafety.store import records as store

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
    kept: int = 0  # empty cells where the stored value was kept
    changes: dict[str, int] = field(default_factory=dict)  # stated moves: county / sector / status_back -> records
    findings: list[Finding] = field(default_factory=list)
    header_row: int | None = None  # Excel number of the (last) header row
    columns: dict[str, dict] = field(default_factory=dict)  # letter -> {header, field, label, how}
    guess: tuple | None = None  # a sheet no kind fits: (the closest kind, headers it does not read, fields it does)

    def to_dict(self) -> dict:
        return {"path": self.path, "sha256": self.sha256, "kind": self.kind, "sheet": self.sheet,
                "rows": self.rows, "inserted": self.inserted, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected, "skipped": self.skipped,
                "kept": self.kept, "changes": self.changes, "header_row": self.header_row, "columns": self.columns,
                "findings": [f.to_dict() for f in self.findings]}


@dataclass
class ImportResult:
    files: list[SheetResult]
    committed: bool
    dry_run: bool = False
    strict: bool = False

    @property
    def totals(self) -> dict:
        keys = ("rows", "inserted", "updated", "unchanged", "rejected", "skipped", "kept")
        t: dict = {k: sum(getattr(f, k) for f in self.files) for k in keys}
        changes: dict[str, int] = {}
        for f in self.files:
            for k, n in f.changes.items():
                changes[k] = changes.get(k, 0) + n
        t["changes"] = changes
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
class Unit:
    """One sheet to load: which file, which sheet, what kind of ledger (from its head)."""

    survey: Survey
    sheet: str
    kind: str
    order: tuple


# (label, rows done, rows in all) — `label` names the sheet being loaded
Progress = Callable[[str, int, int | None], None]


def import_files(conn: sqlite3.Connection, paths: Iterable[Path], *, kind: str | None = None,
                 county: str | None = None, map_file: Path | None = None, strict: bool = False,
                 dry_run: bool = False, include_hidden: bool = False, replace: bool = False,
                 correct_uscc: str | None = None, level: str | None = None, enterprise: str | None = None,
                 year: int | None = None, progress: Progress | None = None) -> ImportResult:
    """Import ledger files. Raises UnreadableInput (nothing written) if any file cannot be read.
    A record already stored is merged: what a ledger gives replaces, what it leaves empty is
    kept, and what was only inferred (a county, a sector, a status) fills only what is empty;
    `replace` replaces whole rows instead. `correct_uscc`: for a USCC one character off that
    of a stored enterprise of the same name, "correct" takes it as the correction, "keep"
    stores a second enterprise; by default the row is refused and the choice offered.
    `level`, `enterprise`, `year`: what a ledger leaves implicit (inspections without a level,
    one enterprise's own registers, statistics without a year column), for every row that
    does not say; a ledger's file name or title rows may say them too (importers.context)."""
    kinds = refdata.kinds()
    if kind is not None and kind not in kinds:
        raise UsageError(f"未知的台账类型“{kind}”，可用：{'、'.join(kinds)}")
    if county is not None:
        try:
            county = divisions.resolve(county)
        except CellError as e:
            raise UsageError(f"--county：{e.message}") from None
    files = expand_paths(list(paths))
    if not files:
        raise UsageError("没有找到要导入的台账文件（.xlsx .xls .et .ods .csv）。")
    syn = load_synonyms(map_file)
    if level is not None:
        try:
            level = parse_level(level)
        except CellError as e:
            raise UsageError(f"--level：{e.message}") from None
    opts = dict(level=level, enterprise=enterprise, year=year)
    given = frozenset(f for f, v in (("year", year), ("list_year", year), ("name", enterprise), ("county", county),
                                     ("inspection_level", level)) if v)
    surveys = [survey(p, include_hidden=include_hidden) for p in files]  # all readable, or stop here
    units, results = plan(surveys, syn, kind, given)
    today = date.today().isoformat()
    rejected_ents: set[str] = set()  # enterprises refused in this call, to explain later misses
    with store.import_transaction(conn, dry_run=dry_run) as tx:
        book: Workbook | None = None
        try:
            for u in units:
                if book is None or book.s is not u.survey:
                    if book is not None:
                        book.close()
                    book = Workbook(u.survey)
                res = load_sheet(conn, u, book, syn, kind, county, today, progress, rejected_ents, replace,
                                 correct_uscc, opts, given)
                results.append(res)
        finally:
            if book is not None:
                book.close()
        if strict and any(x.severity == "error" for r in results for x in r.findings):
            tx.rollback = True
    order = {str(s.path): i for i, s in enumerate(surveys)}
    results.sort(key=lambda r: (order.get(r.path, 0), r.sheet or ""))
    return ImportResult(results, committed=not tx.rollback, dry_run=dry_run, strict=strict)


# ---------------------------------------------------------------- plan

def _note(s: Survey, kind: str | None, sheet: str, slug: str, message: str, severity: str = "error") -> SheetResult:
    r = SheetResult(str(s.path), s.sha256, kind, sheet)
    r.findings.append(Finding(slug, message, str(s.path), sheet, severity=severity))
    return r


def _our_summary(sh) -> bool:
    """The 错误汇总 sheet zjsafety put in front of an error workbook: a corrected workbook sent
    back is imported without it."""
    return sh.name.startswith(SUMMARY) and bool(sh.head) and [clean_text(v) for v in sh.head[0][:2]] == HEAD[:2]


def _has_text(rows: list[list]) -> bool:
    return any(clean_text(v) is not None for row in rows for v in row)


def plan(surveys: list[Survey], syn: Synonyms, kind: str | None,
         given: frozenset = frozenset()) -> tuple[list[Unit], list[SheetResult]]:
    """Which sheet of which file is which ledger, from the first rows of each; the units come
    back in load order (what others refer to first: data/columns.toml `order`)."""
    kinds = refdata.kinds()
    ignore = set(refdata.load_toml("import.toml")["ignore_sheets"])
    units: list[Unit] = []
    results: list[SheetResult] = []
    for fi, s in enumerate(surveys):
        for name, why in s.skipped:
            if name not in ignore:
                results.append(_note(s, None, name, "hidden_sheet", f"工作表“{name}”未导入：{why}", "warning"))
        sheets = [sh for sh in s.sheets if sh.name not in ignore and not _our_summary(sh)]
        if not s.sheets:
            raise UnreadableInput(f"“{s.path.name}”中没有可导入的工作表。")
        if not sheets and not s.skipped:
            raise UnreadableInput(f"“{s.path.name}”中只有说明页，没有台账。")
        found, hollow, empty, notes = 0, 0, 0, []
        for si, sh in enumerate(sheets):
            if not _has_text(sh.head):
                notes.append(_note(s, None, sh.name, "empty_sheet", f"工作表“{sh.name}”是空的", "warning"))
                hollow += 1
                empty += 1
                continue
            hmap, ranking = detect(sh.head, sh.name, syn, kind=kind, context=s.path.stem, given=given)
            if hmap is None:
                why = _unrecognised(sh.name, kind) + (("。" + diagnose(sh.head, syn, kind)) if kind else "")
                notes.append(_note(s, kind, sh.name, "unrecognised_sheet", why))
                notes[-1].guess = closest(sh.head, syn)
                continue
            other = rival(sh.head, syn, hmap) if not kind else None
            if other:
                label, own = kinds[other]["label"], kinds[hmap.kind]["label"]
                notes.append(_note(s, None, sh.name, "unrecognised_sheet",
                                   f"工作表“{sh.name}”像是{label}，但不完整：{diagnose(sh.head, syn, other)}"
                                   f"未导入（不会当作{own}导入）。如确是{own}，用 --kind {kinds[hmap.kind].get('short', hmap.kind)} 指定"))
                continue
            if not kind and len(ranking) > 1 and ranking[0][1] == ranking[1][1]:
                cands = "、".join(f"{kinds[k]['label']}({k})" for k, sc in ranking if sc == ranking[0][1])
                notes.append(_note(s, None, sh.name, "ambiguous_sheet", f"工作表“{sh.name}”可能是：{cands}，请用 --kind 指定"))
                continue
            if not _has_text(sh.head[hmap.data_start:]) and len(sh.head) < SCAN_ROWS + 2:
                notes.append(_note(s, hmap.kind, sh.name, "empty_sheet", f"工作表“{sh.name}”只有表头，没有数据行", "warning"))
                hollow += 1
                continue
            units.append(Unit(s, sh.name, hmap.kind, (kinds[hmap.kind]["order"], fi, si)))
            found += 1
        if found == 0 and hollow == len(sheets):
            what = "是空的（没有任何数据）" if empty == hollow else "只有表头，没有数据行"
            raise UnreadableInput(f"“{s.path.name}”{what}，未导入。")
        results.extend(notes)
    units.sort(key=lambda u: u.order)
    return units, results


def _unrecognised(sheet: str, kind: str | None) -> str:
    kinds = refdata.kinds()
    if kind:
        return (f"工作表“{sheet}”前 {SCAN_ROWS} 行中找不到{kinds[kind]['label']}的表头"
                f"（必需列：{'、'.join(kinds[kind]['fields'][f][0] for f in kinds[kind]['required'])}）")
    labels = "、".join(f"{v['label']}({k})" for k, v in kinds.items())
    return (f"工作表“{sheet}”不是已知的台账（找不到可识别的表头），未导入。可识别的台账：{labels}；"
            f"如果列名写法特殊，可用 --map 指定，或用 --kind 指定类型")


# ---------------------------------------------------------------- load

@lru_cache(maxsize=1)
def _totals_words() -> frozenset[str]:
    return frozenset(fold(w).rstrip(":：") for w in refdata.load_toml("import.toml")["totals_words"])


def _is_totals(row: list) -> bool:
    """A 合计/小计 row: one of its first three filled cells says so."""
    seen = 0
    for v in row:
        if v is None or v == "":
            continue
        if v.__class__ is str and "计" in v and fold(v).rstrip(":：") in _totals_words():
            return True
        seen += 1
        if seen >= 3:
            return False
    return False


_is_str = str.__instancecheck__


def _has_control(values) -> bool:
    text = "".join(filter(_is_str, values))
    return not text.isprintable() and CONTROL.search(text) is not None


def _strip_control(pending: list[tuple[int, tuple]], loader: Loader) -> None:
    """Control characters removed from a batch, each cell said: the batch's text is searched at
    once (almost every batch has none), its rows only when it has some."""
    if not _has_control(chain.from_iterable(cells for _, cells in pending)):
        return
    for k, (row, cells) in enumerate(pending):
        if _has_control(cells):
            pending[k] = (row, _without_control(cells, loader.fields, row, loader))


def _without_control(values, fields: list[str], row: int, loader: Loader) -> tuple:
    """Control characters (other than tab and line breaks) removed, each cell said."""
    out = []
    for v, f in zip(values, fields):
        if v.__class__ is str and CONTROL.search(v):
            loader.finding(row, f, "control_character", "含有不可见的控制字符，已删除（多为从其他系统复制时带入）",
                           v.encode("unicode_escape").decode("ascii"), severity="warning")
            v = CONTROL.sub("", v)
        out.append(v)
    return tuple(out)


def _summed(row: list, sums: list[tuple[int, list[int]]]) -> list:
    row = list(row)
    for first, cols in sums:
        vals = [row[c] for c in cols if row[c] not in (None, "")]
        if vals and all(isinstance(v, (int, float)) or str(v).strip().isdigit() for v in vals):
            row[first] = sum(float(v) for v in vals)
    return row


def _blank(values) -> bool:
    for v in values:
        if v is None or v == "":
            continue
        if v.__class__ is str and not v.strip():
            continue
        return False
    return True


def load_sheet(conn: sqlite3.Connection, u: Unit, book: Workbook, syn: Synonyms, kind: str | None,
               default_county: str | None, today: str, progress: Progress | None,
               rejected_ents: set[str], replace: bool = False, correct_uscc: str | None = None,
               opts: dict | None = None, given: frozenset = frozenset()) -> SheetResult:
    """Read one sheet whole, find its header again (with its merged cells), validate its rows
    a batch at a time and store them under one import batch."""
    s = u.survey
    path = str(s.path)
    sheet = book.sheet(u.sheet)
    it = iter(sheet.rows)  # rows stream out of the parsed sheet; only the head is held as a list
    head = list(islice(it, SCAN_ROWS + 2))
    hm, _ = detect(head, u.sheet, syn, kind=kind or u.kind, merged=sheet.merged, context=s.path.stem, given=given)
    if hm is None:  # the head said otherwise; the whole read is what counts
        return _note(s, u.kind, u.sheet, "unrecognised_sheet", _unrecognised(u.sheet, kind))
    res = SheetResult(path, s.sha256, hm.kind, u.sheet, header_row=hm.header_rows[-1] + 1,
                      columns=hm.describe())
    res.findings += header_findings(hm, path, u.sheet)
    spec = SPECS[hm.kind]
    present = spec.stored_columns(set(hm.columns.values())) | {"enterprise_id", "matched_by"}
    if replace:
        _check_replace(conn, hm.kind, present, s.path.name, u.sheet)
    ctx = context.with_options(context.from_title(hm), county=default_county, **(opts or {}))
    batch_id = store.new_batch(conn, file_name=s.path.name, sha256=s.sha256, kind=hm.kind, sheet=u.sheet)
    loader = Loader(conn, hm, res, default_county, rejected_ents, correct_uscc, ctx)
    policy = store.Policy(present, replace, spec.defaults)
    label = f"{s.path.name}：{u.sheet}"
    total = max(sheet.total - hm.data_start, 0) if sheet.total is not None else None
    _load_rows(conn, chain(head[hm.data_start:], it), hm, sheet.special, loader, res, batch_id, today, policy,
               (lambda done: progress(label, done, total)) if progress else None)
    loader.finish()
    said = context.describe(ctx, loader.title_used)  # only what rows took from the title
    if said:
        res.findings.append(Finding("from_title", f"按文件名、表名或标题行：{'；'.join(said)}，请核对", path, u.sheet,
                                    severity="warning"))
    res.findings.sort(key=lambda f: (f.row or 0, f.column or ""))
    if res.rows == 0 and not res.findings:
        res.findings.append(Finding("empty_sheet", f"工作表“{u.sheet}”只有表头，没有数据行", path, u.sheet,
                                    severity="warning"))
    store.finish_batch(conn, batch_id, {"rows": res.rows, "inserted": res.inserted, "updated": res.updated,
                                        "unchanged": res.unchanged, "rejected": res.rejected})
    return res


def _check_replace(conn: sqlite3.Connection, kind: str, present: set[str], file_name: str, sheet: str) -> None:
    """`--replace` writes whole rows: a ledger without a column the table cannot hold empty
    (a hazard's level) would have to invent it for every record it replaces."""
    spec = SPECS[kind]
    fields = refdata.kinds()[kind]["fields"]
    lacking = []
    for col in store.not_null_columns(conn, spec.table):
        if col in present or col in ("id", "natural_key"):
            continue
        for f, labels in fields.items():
            if col in spec.stored_columns({f}):
                lacking.append(labels[0])
                break
    if lacking:
        raise UsageError(f"“{file_name}”[{sheet}] 没有“{'、'.join(lacking)}”列：--replace 整行替换已有记录时，"
                         f"这一列的值会丢失。请补上这一列，或去掉 --replace（默认合并，不改动台账未给的值）。")


def header_findings(hm: HeaderMap, path: str, sheet: str) -> list[Finding]:
    """Columns not read (said once each), and headers that could be more than one field."""
    out = [Finding("unknown_column", f"列“{text}”无法识别，已忽略（可用 --map 指定对应字段）",
                   path, sheet, hm.header_rows[0] + 1, col_letter(c), text, severity="warning")
           for c, text in hm.unknown]
    for c, text, cands in hm.ambiguous:
        names = "、".join(f"{label}（{f}）" for f, label in cands)
        out.append(Finding("ambiguous_column", f"列“{text}”可能是：{names}，未读取；请改写表头或用 --map 指定",
                           path, sheet, hm.header_rows[0] + 1, col_letter(c), text, severity="warning"))
    return out


def _load_rows(conn, rows: Iterator[list], hm: HeaderMap, special: dict, loader: Loader, res: SheetResult,
               batch_id: int, today: str, policy, tick: Callable[[int], None] | None) -> None:
    cols = list(hm.columns.items())
    idxs = [c for c, _ in cols]
    width = max(idxs) + 1
    pick = itemgetter(*idxs) if len(idxs) > 1 else (lambda r: (r[idxs[0]],))
    # the picked cells in the row type's field order; a field no column maps to reads the
    # blank appended after the picked cells
    at = {f: k for k, (_, f) in enumerate(cols)}
    order = itemgetter(*[at.get(f, len(cols)) for f in loader.fields])
    blank = ("",)
    pending: list[tuple[int, tuple]] = []

    def flush() -> None:
        _strip_control(pending, loader)
        records = loader.link(loader.check(pending))
        counts = store.save(conn, loader.spec.table, records, batch_id, today=today, policy=policy,
                            fresh=loader.fresh_table)
        loader.after_save(counts)
        res.inserted += counts["inserted"]
        res.updated += counts["updated"]
        res.unchanged += counts["unchanged"]
        res.kept += counts["kept"]
        pending.clear()
        if tick:
            tick(res.rows + res.skipped)

    with store.indexes_after_load(conn, loader.spec.table) as fresh:
        loader.fresh_table = fresh
        sums = [(cs[0], cs) for cs in hm.sums.values()]
        width = max([width] + [c + 1 for _, cs in sums for c in cs])
        for i, row in enumerate(rows, start=hm.data_start):
            if len(row) < width:  # ragged rows (csv, some xls): pad
                row = row + [""] * (width - len(row))
            if sums:  # one column pair per sector: the county's figure is their sum
                row = _summed(row, sums)
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
            if len(pending) >= BATCH and not loader.whole_sheet:
                flush()
        flush()
