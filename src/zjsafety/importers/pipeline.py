"""The import pipeline: plan every sheet of every file, then load them in dependency order.

The whole call runs in one transaction: `--strict` rolls it back when any row was rejected,
`--dry-run` always rolls back (so references between files given together are still
checked), and a crash or Ctrl-C leaves the database as it was.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from pydantic import ValidationError

from .. import refdata
from ..errors import UnreadableInput, UsageError
from ..findings import Finding
from ..normalize import clean_text, fold, norm_code, norm_name
from ..store import records as sql
from ..store import transaction
from .headers import HeaderMap, Synonyms, col_letter, detect, load_synonyms, SCAN_ROWS
from .models import MODELS
from .reader import Ledger, Sheet, expand_paths, open_ledger
from .records import SPECS, EntMatch, enterprise_key

BATCH = 2000
_ERRORS = {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#GETTING_DATA"}
NAMED_KINDS = {"enterprise", "screening", "hazard", "major_risk", "inspection",
               "penalty", "above_scale_list"}


@dataclass(frozen=True)
class SpecialCell:
    kind: str  # error / formula
    text: str


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
    with _maybe_commit(conn, strict=strict, dry_run=dry_run) as state:
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


class _maybe_commit:
    """One transaction for the whole call; rolled back for dry runs and failed strict runs."""

    def __init__(self, conn, *, strict, dry_run):
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


def _totals() -> set[str]:
    return {fold(w).rstrip(":：") for w in refdata.load_toml("import.toml")["totals_words"]}


def _is_totals(row: list) -> bool:
    seen = 0
    for v in row:
        s = clean_text(v)
        if s is None:
            continue
        if fold(s).rstrip(":：") in _totals():
            return True
        seen += 1
        if seen >= 3:
            return False
    return False


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
    loader = _Loader(conn, u, res, batch_id, default_county, today, rejected_ents)
    pending: list[tuple[int, dict]] = []
    cols = list(hm.columns.items())
    special = sh.special
    for i, row in enumerate(sh.rows()):
        if i < hm.data_start:
            continue
        n = len(row)
        cells = {f: (row[c] if c < n else "") for c, f in cols}
        if special:
            for c, f in cols:
                if (i, c) in special:
                    cells[f] = SpecialCell(*special[(i, c)])
        if all(clean_text(v) is None for v in cells.values()):
            if any(clean_text(v) is not None for v in row):
                res.skipped += 1  # only unmapped columns filled: nothing of ours
            continue
        if _is_totals(row):
            res.skipped += 1
            continue
        pending.append((i + 1, cells))
        if len(pending) >= BATCH:
            loader.flush(pending)
            pending = []
            if progress:
                progress(f"{led.path.name}:{sh.name}", res.rows, None)
    loader.flush(pending)
    if progress:
        progress(f"{led.path.name}:{sh.name}", res.rows, None)
    if res.rows == 0 and not res.findings:
        res.findings.append(Finding("empty_sheet", f"工作表“{sh.name}”只有表头，没有数据行", path, sh.name,
                                    severity="warning"))
    sql.finish_batch(conn, batch_id, {"rows": res.rows, "inserted": res.inserted, "updated": res.updated,
                                      "unchanged": res.unchanged, "rejected": res.rejected})
    return res


class _Loader:
    def __init__(self, conn, u: _Unit, res: SheetResult, batch_id: int, default_county, today, rejected_ents):
        self.rejected_ents = rejected_ents
        self.conn, self.u, self.res, self.batch_id = conn, u, res, batch_id
        self.kind = u.hmap.kind
        self.spec = SPECS[self.kind]
        self.model = MODELS[self.kind]
        self.default_county = default_county
        self.today = today
        self.col_of = {f: c for c, f in u.hmap.columns.items()}
        self.seen: dict[str, int] = {}
        self.cells_of: dict[int, dict] = {}

    def finding(self, row: int, fld: str | None, slug: str, msg: str, value=None, severity="error"):
        if severity == "error" and self.kind == "enterprise" and row in self.cells_of:
            cells = self.cells_of[row]
            self.rejected_ents.update(x for x in (norm_name(cells.get("name")), norm_code(cells.get("uscc"))) if x)
        c = self.col_of.get(fld) if fld else None
        self.res.findings.append(Finding(
            slug, msg, self.res.path, self.res.sheet, row, col_letter(c) if c is not None else None,
            self.u.hmap.headers.get(c) if c is not None else None,
            None if value is None else str(value), severity))

    def flush(self, pending: list[tuple[int, dict]]) -> None:
        if not pending:
            return
        self.res.rows += len(pending)
        self.cells_of = dict(pending) if self.kind == "enterprise" else {}
        valid = []
        for row, cells in pending:
            bad = False
            for f, v in cells.items():
                if isinstance(v, SpecialCell):
                    if v.kind == "error":
                        self.finding(row, f, "error_cell", f"单元格是公式错误值“{v.text}”，请填写实际内容", v.text)
                    else:
                        self.finding(row, f, "formula_no_value",
                                     f"单元格是公式“{v.text}”，但文件中没有计算结果；请在 Excel/WPS 中打开并保存，"
                                     f"或改为填写数值", v.text)
                    bad = True
                elif isinstance(v, str) and v.strip().upper() in _ERRORS:
                    self.finding(row, f, "error_cell", f"单元格是错误值“{v.strip()}”，请填写实际内容", v)
                    bad = True
            if bad:
                self.res.rejected += 1
                continue
            try:
                m = self.model.model_validate(cells)
            except ValidationError as e:
                for err in e.errors():
                    f = str(err["loc"][0]) if err["loc"] else None
                    self.finding(row, f, err["type"], err["msg"], cells.get(f) if f else None)
                self.res.rejected += 1
                continue
            missing = [f for f in self.spec.required if getattr(m, f) is None]
            if self.kind in NAMED_KINDS and not m.name and not m.uscc:
                missing.append("name")
            if missing:
                for f in missing:
                    label = self.u.hmap.headers.get(self.col_of.get(f), f) if f in self.col_of else f
                    self.finding(row, f, "missing_value", f"必填项“{label}”为空", "")
                self.res.rejected += 1
                continue
            valid.append((row, m))
        if self.kind == "inspection":
            valid = [(r, m if m.inspection_level else self._level_from_dept(r, m)) for r, m in valid]
            valid = [(r, m) for r, m in valid if m is not None]
        links = self.spec.needs_enterprise or self.kind == "major_hazard_register"
        ents = self._match_enterprises([m for _, m in valid]) if links else {}
        if self.kind == "major_hazard_register":
            known = sql.existing_hazard_numbers(self.conn, [m.hazard_no for _, m in valid])
        out = []
        for row, m in valid:
            ent = ents.get(id(m))
            if self.spec.needs_enterprise and ent is None:
                who = " / ".join(x for x in (m.name, m.uscc) if x)
                why = ("该企业在本次导入的企业台账中被拒收，请先改正企业台账"
                       if {norm_name(m.name), m.uscc} & self.rejected_ents else "请先导入企业基本信息台账")
                self.finding(row, "uscc" if m.uscc and "uscc" in self.col_of else "name", "unknown_enterprise",
                             f"企业“{who}”不在数据库中（按信用代码、再按名称查找都未找到）；{why}",
                             m.uscc or m.name)
                self.res.rejected += 1
                continue
            if ent is not None and ent.by == "name" and m.uscc:
                self.finding(row, "uscc", "matched_by_name",
                             f"信用代码“{m.uscc}”在数据库中未找到，已按企业名称“{m.name}”匹配，请核对", m.uscc,
                             severity="warning")
            county = getattr(m, "county", None) or self.default_county or (ent.county if ent else None)
            if self.spec.needs_county and not county:
                self.finding(row, "county", "missing_county",
                             "无法确定所属县（市、区）：该行未填写，也未用 --county 指定", "")
                self.res.rejected += 1
                continue
            b = self.spec.build(m, county, ent)
            if not b.key:
                self.finding(row, "uscc", "missing_value", "缺少统一社会信用代码（或组织机构代码、县+名称）", "")
                self.res.rejected += 1
                continue
            for f, slug, msg, sev in b.problems:
                self.finding(row, f, slug, msg, getattr(m, f, None), severity=sev)
            if b.rejected:
                self.res.rejected += 1
                continue
            if self.kind == "major_hazard_register" and m.hazard_no not in known:
                self.finding(row, "hazard_no", "unknown_hazard",
                             f"隐患编号“{m.hazard_no}”不在隐患台账中（已登记，待隐患台账导入后对应）",
                             m.hazard_no, severity="warning")
            first = self.seen.get(b.key)
            if first is not None:
                self.finding(row, None, "duplicate_in_file", f"与第 {first} 行重复（同一{self._key_label()}）",
                             b.key)
                self.res.rejected += 1
                continue
            self.seen[b.key] = row
            out.append((b.key, b.values, b.sectors, row))
        counts = sql.upsert(self.conn, self.spec.table, out, self.batch_id, today=self.today)
        self.res.inserted += counts["inserted"]
        self.res.updated += counts["updated"]
        self.res.unchanged += counts["unchanged"]

    def _key_label(self) -> str:
        return {"enterprise": "企业", "hazard": "隐患", "penalty": "处罚", "inspector": "人员"}.get(self.kind, "记录")

    def _level_from_dept(self, row: int, m):
        from .fields import parse_level
        from ..normalize import CellError
        try:
            lvl = parse_level(m.department) if m.department else None
        except CellError:
            lvl = None
        if lvl is None:
            self.finding(row, "inspection_level", "missing_value",
                         "督查层级为空（县级/市级/省级），督查部门也看不出层级", "")
            self.res.rejected += 1
            return None
        return m.model_copy(update={"inspection_level": lvl})

    def _match_enterprises(self, models: list) -> dict[int, EntMatch]:
        """USCC first, then the exact normalised name (narrowed by county when several match)."""
        out: dict[int, EntMatch] = {}
        by_u = sql.find_enterprises_by_uscc(self.conn, [m.uscc for m in models if m.uscc])
        need_name = [m for m in models if not (m.uscc and m.uscc in by_u) and m.name]
        by_n = sql.find_enterprises_by_name(self.conn, [norm_name(m.name) for m in need_name]) if need_name else {}
        for m in models:
            if m.uscc and m.uscc in by_u:
                rid, key, cty = by_u[m.uscc]
                out[id(m)] = EntMatch(rid, key, cty, "uscc")
                continue
            cands = by_n.get(norm_name(m.name), []) if m.name else []
            county = getattr(m, "county", None) or self.default_county
            if len(cands) > 1 and county:
                cands = [c for c in cands if c[2] == county]
            if len(cands) == 1:
                rid, key, cty = cands[0]
                out[id(m)] = EntMatch(rid, key, cty, "name")
        return out
