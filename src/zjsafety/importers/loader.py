"""One sheet's rows, a batch at a time, in two steps that make findings, not exceptions:

`check` runs the batch through the kind's field normalisers, a column at a time (importers.models),
and the required-field checks;
`link` finds the enterprises the rows name, settles each row's county, builds the records to
store and runs the cross-row checks. The pipeline hands the records to store.records, and
calls `finish` for what is said once per sheet.
"""

from __future__ import annotations

import sqlite3
from operator import attrgetter

from zjsafety.core import divisions, refdata
from zjsafety.core.findings import Finding
from zjsafety.core.masking import PERSONAL_FIELDS, mask_cell
from zjsafety.core.normalize import (CellError, conflict_entries, fold, norm_code, norm_name, unknown_chunks,
                                     uscc_problem)
from zjsafety.importers.fields import MonthOnly, cell_fault, parse_level
from zjsafety.importers.headers import HeaderMap, col_letter
from zjsafety.importers.context import YEAR_FIELDS, Context
from zjsafety.importers.identity import EnterpriseResolver, Resolver
from zjsafety.importers.models import ROW_TYPES, validate
from zjsafety.importers.records import SPECS, EntMatch
from zjsafety.store import records as sql

NAMED_KINDS = {"enterprise", "screening", "hazard", "major_risk", "inspection", "penalty", "above_scale_list", "training"}
KEY_LABEL = {"enterprise": "企业", "hazard": "隐患", "penalty": "处罚", "inspector": "人员"}
# ledger numbers that name a record within its enterprise: the same number elsewhere is said
NUMBERS = {"hazard": ("hazard_no", "隐患编号", "hazard_no_reused"), "major_risk": ("risk_no", "危险源编号", "number_reused"),
           "penalty": ("case_no", "处罚决定书文号", "number_reused")}
MONTH_FIELDS = {"screening": ("screened_on",), "inspection": ("inspected_on",), "penalty": ("decided_on",)}
COUNTY_HOW = {"option": "按 --county 指定", "uscc": "按信用代码推定", "enterprise": "按企业所在", "title": "按标题所写"}


def county_in_uscc(uscc: str | None) -> str | None:
    """The registering authority's division inside a USCC (characters 3–8), when it is a
    current county-level division of Zhejiang (a code retired since, or a city's, says
    nothing certain about where the enterprise is now)."""
    if not uscc or len(uscc) != 18:
        return None
    d = divisions.get(uscc[2:8])
    return d.code if d is not None and d.level == "county" and d.current else None


def _follow_up_key(m) -> tuple:
    return (m.hazard_no or m.description,)


class Loader:
    def __init__(self, conn: sqlite3.Connection, hmap: HeaderMap, res, default_county: str | None,
                 rejected_ents: set[str], correct_uscc: str | None = None, ctx=None):
        self.conn, self.hmap, self.res = conn, hmap, res
        self.kind = hmap.kind
        self.spec = SPECS[self.kind]
        self.default_county = default_county
        self.ctx = ctx or Context()  # what the file name, sheet name or title rows say (importers.context)
        self.title_used: set[str] = set()  # which of those some row took
        self.rejected_ents = rejected_ents  # enterprises refused in this call, to explain later misses
        self.col_of = {f: c for c, f in hmap.columns.items()}
        self.fields = ROW_TYPES[self.kind]._fields  # a row's cells come in this order
        req = self.spec.required
        self.required = attrgetter(*req) if len(req) > 1 else (lambda m, f=req[0]: (getattr(m, f),))
        self.seen: dict[str, int] = {}
        self.by_uscc: dict[str, EntMatch | None] = {}  # lookups remembered for the sheet
        self.by_name: dict[str, list[tuple]] = {}
        self.numbers: dict[str, int] = {}  # ledger number -> enterprise id, in this sheet
        self.fresh_table = False  # set by the load: the table was empty when it began
        self.resolver = Resolver(conn, self.kind, self.spec.table)
        self.ent_resolver = EnterpriseResolver(conn, correct_uscc)
        self.county_how: dict[int, tuple[str, str | None]] = {}  # Excel row -> (how its county was inferred, uscc)
        self.town_rows: dict[str, tuple[int, list[str]]] = {}  # statistic key -> (its record in this batch, townships)
        # a statistic given by township is summed per county and year wherever its rows stand:
        # its sheet is checked and linked as one batch
        self.whole_sheet = self.kind == "accident_stat" and "township" in self.col_of
        self.seen_hazard: dict[str, tuple] = {}  # hazard key -> (year found, description), for numbers reused within a sheet
        self.no_county: list[int] = []  # rows without a county, when the sheet has no county column

    # -------------------------------------------------------------- shared

    def finding(self, row: int | None, fld: str | None, slug: str, msg: str, value=None, severity="error") -> None:
        c = self.col_of.get(fld) if fld else None
        if value is not None and fld in PERSONAL_FIELDS:  # messages are printed and logged: never a whole ID
            value = mask_cell(str(value))
        self.res.findings.append(Finding(
            slug, msg, self.res.path, self.res.sheet, row, col_letter(c) if c is not None else None,
            self.hmap.headers.get(c) if c is not None else None,
            None if value is None else str(getattr(value, "text", value)), severity))

    def _refused_enterprise(self, name: object, code: object) -> None:
        if self.kind == "enterprise":
            self.rejected_ents.update(x for x in (norm_name(name), norm_code(code)) if x)

    # -------------------------------------------------------------- stage 1: validate

    def check(self, pending: list[tuple[int, tuple]]) -> list[tuple[int, object]]:
        """Rows that pass the model and the required fields, as (Excel row, validated row).
        `pending` holds (Excel row, cells in the order of `self.fields`)."""
        if not pending:
            return []
        self.res.rows += len(pending)
        valid = []
        # rows that follow up stored records need only their number, or the description they are matched by
        required = _follow_up_key if self.hmap.follow_up else self.required
        named = self.kind in NAMED_KINDS
        ctx = self.ctx
        for row, m in self._validate(pending):
            if ctx.enterprise and not m.name and not m.uscc:
                m = m._replace(**{"uscc" if uscc_problem(ctx.enterprise) is None else "name": ctx.enterprise})
                self.title_used.add("enterprise")
            if ctx.major and m.hazard_level is None:
                m = m._replace(hazard_level=True)
                self.title_used.add("major")
            if ctx.year and self.kind in YEAR_FIELDS and getattr(m, YEAR_FIELDS[self.kind]) is None:
                m = m._replace(**{YEAR_FIELDS[self.kind]: ctx.year})
                self.title_used.add("year")
            for f in MONTH_FIELDS.get(self.kind, ()):
                v = getattr(m, f)
                if v.__class__ is MonthOnly:
                    self.finding(row, f, "incomplete_date", f"日期只有年月，按该月最后一天（{v.isoformat()}）计", v.isoformat(),
                                 severity="warning")
            if None not in required(m) and (not named or m.name or m.uscc):
                if self.kind == "inspection" and not m.inspection_level:
                    m = self._level_from_dept(row, m)
                    if m is None:
                        continue
                valid.append((row, m))
                continue
            missing = [f for f in (("hazard_no",) if self.hmap.follow_up else self.spec.required)
                       if getattr(m, f) is None and not (f == "hazard_no" and m.description)]
            if named and not m.name and not m.uscc:
                missing.append("name")
            for f in missing:
                label = self.hmap.headers.get(self.col_of[f], f) if f in self.col_of else f
                self.finding(row, f, "missing_value", f"必填项“{label}”为空", "")
            self.res.rejected += 1
            self._refused_enterprise(getattr(m, "name", None), getattr(m, "uscc", None))
        return valid

    def _validate(self, pending: list[tuple[int, tuple]]) -> list[tuple[int, object]]:
        """The batch validated a column at a time (models.validate); every bad cell becomes a
        finding, and the rows holding one are left out."""
        made, faults = validate(self.kind, [cells for _, cells in pending])
        bad: set[int] = set()
        for i, f, exc, v in faults:
            row, cells = pending[i]
            self.finding(row, f, *cell_fault(exc), v)
            if i not in bad:
                self._refused_enterprise(self._raw(cells, "name"), self._raw(cells, "uscc"))
                bad.add(i)
        self.res.rejected += len(bad)
        return [(row, m) for (row, _), m in zip(pending, made) if m is not None]

    def _raw(self, cells: tuple, f: str) -> object:
        return cells[self.fields.index(f)] if f in self.fields else None

    def _level_from_dept(self, row: int, m):
        try:
            lvl = parse_level(m.department) if m.department else None
        except CellError:
            lvl = None
        if lvl is None and self.ctx.level:
            lvl = self.ctx.level
            self.title_used.add("level")
        if lvl is None:
            self.finding(row, "inspection_level", "missing_value",
                         "督查层级为空（县级/市级/省级），督查部门也看不出层级", "")
            self.res.rejected += 1
            return None
        return m._replace(inspection_level=lvl)

    # -------------------------------------------------------------- stage 2: link

    def link(self, valid: list[tuple[int, object]]) -> list[tuple]:
        """Records to store: (natural key, column values, sectors, Excel row, inferred columns)."""
        links = self.spec.needs_enterprise or self.kind == "major_hazard_register"
        ents = self._match_enterprises([m for _, m in valid]) if links else {}
        if self.kind == "inspector":
            self._check_conflicts(valid)
        number = NUMBERS.get(self.kind)
        # a table empty when this sheet began holds only this sheet's records: nothing to ask it
        fresh = self.fresh_table
        known = sql.numbers_in_use(self.conn, self.spec.table, number[0],
                                   [getattr(m, number[0]) for _, m in valid if getattr(m, number[0])]) \
            if number and not fresh else {}
        if self.kind == "major_hazard_register":  # its numbers name hazards of the hazard ledger
            number = ("hazard_no", "隐患编号", None)
            known = sql.numbers_in_use(self.conn, "hazard", "hazard_no", [m.hazard_no for _, m in valid])
        built = []
        needs_ent, build = self.spec.needs_enterprise, self.spec.build
        for row, m in valid:
            ent = ents.get(id(m))
            if needs_ent and ent is None:
                self._unknown_enterprise(row, m)
                continue
            if ent is not None and ent.by == "name" and m.uscc:
                self.finding(row, "uscc", "matched_by_name",
                             f"信用代码“{m.uscc}”在数据库中未找到，已按企业名称“{m.name}”匹配，请核对", m.uscc,
                             severity="warning")
            county, how = self._county(row, m, ent)
            if county is False:
                continue
            b = build(m, county, ent)
            if how != "stated" and county is not None:  # second-class: fills only an empty county
                b.inferred = b.inferred | {"county_code"}
            if not b.key:
                self.finding(row, "uscc", "missing_value", "缺少统一社会信用代码（或组织机构代码、县+名称）", "")
                self._reject_stored(m)
                continue
            if b.problems:
                for f, slug, msg, sev in b.problems:
                    self.finding(row, f, slug, msg, getattr(m, f, None), severity=sev)
                if b.rejected:
                    self._reject_stored(m)
                    continue
            built.append((row, m, ent, b, how))
        if self.kind == "enterprise":
            built = self._resolve_enterprises(built)
        elif self.hmap.follow_up:
            built = self._follow_up(built)
        elif not fresh:
            built = self._resolve(built)
        out = []
        for row, m, ent, b, how in built:
            if number:
                self._check_number(row, m, ent, known, number)
            first = self.seen.get(b.key)
            if first is not None and self.kind == "accident_stat" and m.township and b.key in self.town_rows:
                self._add_township(out, b, m, row)
                continue
            if first is not None:
                first = None if self._reused_in_sheet(row, b) else self.seen.get(b.key)
            if first is not None:
                self.finding(row, None, "duplicate_in_file",
                             f"与第 {first} 行重复（同一{KEY_LABEL.get(self.kind, '记录')}）", b.key)
                self.res.rejected += 1
                continue
            self.seen[b.key] = row
            if self.kind == "accident_stat" and m.township:
                self.town_rows[b.key] = (len(out), [m.township])
            if self.kind == "hazard" and b.values["hazard_no"]:
                self.seen_hazard[b.key] = ((b.values["found_on"] or "")[:4], b.values["description"])
            if how in ("option", "uscc", "title"):
                self.county_how[row] = (how, getattr(m, "uscc", None))
            out.append((b.key, b.values, b.sectors, row, b.inferred))
        return out

    def _add_township(self, out: list, b, m, row: int) -> None:
        """A township's row of a statistic: added to its county's figure for the year (said once)."""
        at, towns = self.town_rows[b.key]
        key, values, sectors, first_row, inferred = out[at]
        for f in ("accidents", "deaths", "gdp"):
            if b.values[f] is not None:
                values[f] = (values[f] or 0) + b.values[f]
        towns.append(m.township)
        if len(towns) == 2:
            self.finding(first_row, "township", "townships_summed",
                         f"各乡镇（街道）的行已合计为{divisions.full_name(values['county_code'])}{values['year']}年的数据",
                         towns[0], severity="warning")

    def _resolve(self, built: list) -> list:
        """Each record under the key of the stored record it is (importers.identity)."""
        out = []
        for (row, m, ent, b, how), hit in zip(built, self.resolver.resolve([x[3].values for x in built])):
            if hit.ambiguous:
                cols = "、".join(self._label(c) for c in hit.ambiguous)
                self.finding(row, None, "ambiguous_record",
                             f"库中同一企业有几条记录都可能是这一行（缺少“{cols}”，无法区分），未导入；"
                             f"请补上这几列再导入", None)
                self._reject_stored(m)
                continue
            if hit.reused:
                b.key = self._new_year_key(row, b, hit.reused)
            elif hit.key:
                b.key = hit.key
            out.append((row, m, ent, b, how))
        return out

    def _follow_up(self, built: list) -> list:
        """A follow-up list (挂牌督办, 治理情况) completes stored hazards; a row naming none is
        refused with what to do, never made a hazard without its date and description."""
        out = []
        for (row, m, ent, b, how), hit in zip(built, self.resolver.resolve([x[3].values for x in built])):
            if not hit.key:
                what = f"编号为“{m.hazard_no}”" if m.hazard_no else f"描述为“{m.description}”"
                why = "库中该企业有几条隐患都可能是它，请补上隐患编号或发现日期" if hit.ambiguous else \
                    "这张表只补充已导入的隐患（挂牌督办、治理情况），请先导入该企业的隐患排查治理台账"
                self.finding(row, "hazard_no" if m.hazard_no else "description", "unknown_hazard",
                             f"库中没有“{m.name or m.uscc}”{what}的隐患：{why}", m.hazard_no or m.description)
                self._reject_stored(m)
                continue
            b.key = hit.key
            out.append((row, m, ent, b, how))
        return out

    def _new_year_key(self, row: int, b, other: dict) -> str:
        """A hazard number the enterprise used in another year for another hazard: a new hazard."""
        self.finding(row, "hazard_no", "hazard_no_new_year",
                     f"隐患编号“{b.values['hazard_no']}”在该企业已有一条（{other.get('found_on')} 发现的"
                     f"“{other.get('description')}”），年份和描述都不同，按新的隐患保存", b.values["hazard_no"],
                     severity="warning")
        return self._year_key(b)

    @staticmethod
    def _year_key(b) -> str:
        return f"{b.key}@{(b.values.get('found_on') or '')[:4]}"

    def _reused_in_sheet(self, row: int, b) -> bool:
        """The same hazard number twice in one sheet for one enterprise, in two years for two
        hazards: the second is a new hazard (given a key of its own), not a duplicate."""
        first = self.seen_hazard.get(b.key)
        if first is None:
            return False
        year, desc = first
        if year == (b.values.get("found_on") or "")[:4] or fold(desc or "") == fold(b.values.get("description") or ""):
            return False
        if self._year_key(b) in self.seen:  # that year's hazard under this number came earlier: a duplicate
            b.key = self._year_key(b)
            return False
        b.key = self._new_year_key(row, b, {"found_on": year, "description": desc})
        return True

    def _resolve_enterprises(self, built: list) -> list:
        rows = [(b.values, b.values["county_code"], how == "stated") for _, _, _, b, how in built]
        out = []
        for (row, m, ent, b, how), hit in zip(built, self.ent_resolver.resolve(rows)):
            if hit.correction_of is not None:
                old = hit.correction_of
                self.finding(row, "uscc", "uscc_correction",
                             f"信用代码“{m.uscc}”与库中同名企业“{m.name}”的信用代码“{old['uscc']}”只差一个字符，"
                             f"像是更正，未导入：如确是更正，加 --correct-uscc 重新导入（库中改为新代码）；"
                             f"如确是两家企业，加 --keep-both", m.uscc)
                self._reject_stored(m)
                continue
            if hit.key:
                b.key = hit.key
            out.append((row, m, ent, b, how))
        return out

    def _label(self, column: str) -> str:
        for f, cols in self.spec.columns.items():
            if column in cols:
                column = f
                break
        fields = refdata.kinds()[self.kind]["fields"]
        return fields[column][0] if column in fields else column

    def after_save(self, counts: dict) -> None:
        """What the store kept or changed, said row by row: an inferred value it did not take
        (the stored one stands), and a stated value that moved a record between scopes."""
        kept = {(r, c): (v, s) for r, c, v, s in counts["kept_inferred"]}
        for row, (how, uscc) in self.county_how.items():
            if (row, "county_code") in kept:
                v, s = kept.pop((row, "county_code"))
                self.finding(row, "county", "inferred_kept",
                             f"{COUNTY_HOW[how]}的县（市、区）{divisions.full_name(v)}与库中的"
                             f"{divisions.full_name(s)}不同，保留库中的{divisions.full_name(s)}"
                             f"（要改，请在台账中填写所属县（市、区））", v, severity="warning")
            elif how == "uscc":
                self.finding(row, "uscc", "county_from_uscc",
                             f"未填县（市、区），按信用代码中的登记机关代码 {uscc[2:8]} 定为"
                             f"{divisions.full_name(uscc[2:8])}，请核对", uscc, severity="warning")
        self.county_how.clear()
        for (row, col), (v, s) in kept.items():
            if col == "status":
                self.finding(row, "rectify_status", "inferred_kept",
                             f"按日期推定的整改情况“{v}”不会把库中的“{s}”改回去，保留“{s}”", v, severity="warning")
            elif col == "sectors":
                self.finding(row, "industry_code", "inferred_kept",
                             f"按国民经济行业代码推定的行业领域“{v}”与库中的“{s}”不同，保留“{s}”"
                             f"（要改，请在台账中填写行业领域）", v, severity="warning")
        unit = "家" if self.kind == "enterprise" else "项"
        for row, col, old, new in counts["changes"]:
            what = {"county_code": "county", "status": "status_back"}.get(col, col)
            self.res.changes[what] = self.res.changes.get(what, 0) + 1
            if col == "county_code":
                msg = (f"所属县（市、区）由{divisions.full_name(old) if old else '空'}改为{divisions.full_name(new)}"
                       f"（台账所填）：这{unit}从此计入新的县（市、区）")
                fld = "county"
            elif col == "sector":
                msg, fld = f"行业领域由“{old}”改为“{new}”（台账所填）", "sector"
            else:
                msg, fld = f"整改情况由“{old}”改回“{new}”（台账所填）", "rectify_status"
            self.finding(row, fld, "scope_change", msg, new, severity="warning")

    def _county(self, row: int, m, ent: EntMatch | None) -> tuple:
        """The row's county and how it was found: its own ("stated"), else its enterprise's, else
        --county ("option"), else the division in its USCC ("uscc", said after the store step,
        which may keep a stored county instead). (False, None) when a row that needs one has
        none (said)."""
        if getattr(m, "county", None):
            return m.county, "stated"
        if ent is not None and ent.county:
            return ent.county, "enterprise"
        if self.default_county:
            return self.default_county, "option"
        if self.ctx.county:
            self.title_used.add("county")
            return self.ctx.county, "title"
        if self.kind == "plan_task":
            return self._task_county(m), "enterprise"
        inferred = county_in_uscc(getattr(m, "uscc", None))
        if inferred:
            return inferred, "uscc"
        if not self.spec.needs_county:
            return None, "stated"
        if "county" not in self.col_of:
            self.no_county.append(row)  # said once for the sheet, in finish()
        else:
            self.finding(row, "county", "missing_county",
                         "无法确定所属县（市、区）：该行未填写，也未用 --county 指定，信用代码也看不出", "")
        self._reject_stored(m)
        return False, None

    def _task_county(self, m) -> str | None:
        """A task row without a county is the stored task with its code (or title), when exactly
        one county has it: the same ledger imported with and without --county is one task."""
        counties = set(sql.plan_task_counties(self.conn, m.task_code, fold(m.task_title or "")))
        return counties.pop() if len(counties) == 1 else None

    def _check_number(self, row: int, m, ent: EntMatch | None, known: dict[str, set[int]], number: tuple) -> None:
        col, label, slug = number
        no = getattr(m, col)
        if not no:
            return
        if self.kind == "major_hazard_register":
            if no not in known and no not in self.numbers:
                self.finding(row, "hazard_no", "unknown_hazard",
                             f"隐患编号“{no}”不在隐患台账中（已登记，待隐患台账导入后对应）", no, severity="warning")
            return
        first = self.numbers.setdefault(no, ent.id)  # the enterprise this sheet first gave it
        stored = known.get(no)
        if first != ent.id or (stored and (len(stored) > 1 or ent.id not in stored)):
            self.finding(row, col, slug, f"{label}“{no}”在其他企业下也有，按不同的记录分别保存（编号在企业内唯一）",
                         no, severity="warning")

    def _check_conflicts(self, valid: list[tuple[int, object]]) -> None:
        """A 回避 entry the database does not know bars nobody (a misspelt name, a mistyped code):
        said as a warning, so the clerk can mend it before a draw relies on it."""
        cells = {row: m.conflicts for row, m in valid if m.conflicts}
        every = {e for text in cells.values() for e in conflict_entries(text)}
        codes = {e for e in every if uscc_problem(e) is None}
        known = set(sql.find_enterprises_by_uscc(self.conn, codes)) | set(
            sql.find_enterprises_by_name(self.conn, every - codes))
        for row, text in cells.items():
            for e in unknown_chunks(text, known):
                if e not in known:
                    self.finding(row, "conflicts", "unknown_conflict",
                                 f"回避企业“{e}”在数据库中找不到（名称或信用代码须与企业台账一致），这一项不起回避作用，请核对",
                                 e, severity="warning")

    def _unknown_enterprise(self, row: int, m) -> None:
        who = " / ".join(x for x in (m.name, m.uscc) if x)
        why = ("该企业在本次导入的企业台账中被拒收，请先改正企业台账"
               if {norm_name(m.name), m.uscc} & self.rejected_ents else "请先导入企业基本信息台账")
        self.finding(row, "uscc" if m.uscc and "uscc" in self.col_of else "name", "unknown_enterprise",
                     f"企业“{who}”不在数据库中（按信用代码、再按名称查找都未找到）；{why}", m.uscc or m.name)
        self.res.rejected += 1

    def _reject_stored(self, m) -> None:
        self.res.rejected += 1
        self._refused_enterprise(getattr(m, "name", None), getattr(m, "uscc", None))

    def finish(self) -> None:
        """What is said once for the sheet: a needed column it does not have."""
        if self.no_county:
            rows = "、".join(str(r) for r in self.no_county[:8]) + ("……" if len(self.no_county) > 8 else "")
            label = refdata.kinds()[self.kind]["fields"]["county"][0]
            maybe = [t for _, t in self.hmap.unknown]
            hint = (f"可能是这几列：{'、'.join(maybe)}；如是，在 --map 文件中写 [{self.kind}] 下一行 "
                    f"\"{maybe[0]}\" = \"county\"。" if maybe else "")
            self.finding(None, None, "missing_column",
                         f"表中没有“{label}”列，{len(self.no_county)} 行无法确定所属县（市、区），未导入"
                         f"（第 {rows} 行）。{hint}也可用 --county 指定，如 --county 西湖区。")

    def _match_enterprises(self, models: list) -> dict[int, EntMatch]:
        """USCC first, then the exact normalised name (narrowed by county when several match).
        Lookups are remembered for the sheet: a ledger names the same enterprises again and again."""
        out: dict[int, EntMatch] = {}
        by_uscc, by_name = self.by_uscc, self.by_name
        new_u = {m.uscc for m in models if m.uscc and m.uscc not in by_uscc}
        if new_u:
            found = sql.find_enterprises_by_uscc(self.conn, new_u)
            for u in new_u:
                hit = found.get(u)
                by_uscc[u] = EntMatch(hit[0], hit[1], hit[2], "uscc") if hit else None
        need = [m for m in models if not (m.uscc and by_uscc[m.uscc])]
        if not need:  # the usual batch: every row names its enterprise by a known code
            return {id(m): by_uscc[m.uscc] for m in models}
        new_n = {n for n in (norm_name(m.name) for m in need if m.name) if n not in by_name}
        if new_n:
            found_n = sql.find_enterprises_by_name(self.conn, new_n)
            for n in new_n:
                by_name[n] = found_n.get(n, [])
        for m in models:
            if m.uscc and by_uscc[m.uscc]:
                out[id(m)] = by_uscc[m.uscc]
                continue
            cands = by_name.get(norm_name(m.name), []) if m.name else []
            county = getattr(m, "county", None) or self.default_county
            if len(cands) > 1 and county:
                cands = [c for c in cands if c[2] == county]
            if len(cands) == 1:
                rid, key, cty = cands[0]
                out[id(m)] = EntMatch(rid, key, cty, "name")
        return out
