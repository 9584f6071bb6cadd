"""Finding the header row of a sheet, mapping its columns to fields, and recognising the kind.

Ledgers put title lines and 填报单位/填报日期 above the header, sometimes split the header
over two rows under merged group cells, and spell columns many ways. A header is compared in
several normal forms (numbering, brackets of any width, notes in brackets, 所在/所属 before
the field) against the spellings of data/columns.toml and a user's --map file; what is left
is compared by similarity, and a header that fits several fields is reported, not guessed.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from zjsafety.core import refdata
from zjsafety.core.errors import UsageError
from zjsafety.core.normalize import clean_text

SCAN_ROWS = 30
_NUMBERING = re.compile(r"^(?:\d{1,2}|[一二三四五六七八九十]{1,3})[.、．)）]+|^[(（]\d{1,2}[)）]")
_GROUP = re.compile(r"\([^()]*\)")
_TRAILING_GROUP = re.compile(r"\([^()]*\)$")
_PUNCT = re.compile(r"[()\[\]{}<>《》、,，;；/|·.．\-—_'\"“”‘’?？!！]")
_PLACE = re.compile(r"^(?:所在|所属|属地|所处)")
SIMILAR = 0.8  # how alike a header must be to a known spelling to be read as it


@lru_cache(maxsize=8192, typed=True)
def _fold(h: object) -> str:
    s = clean_text(h) or ""
    s = unicodedata.normalize("NFKC", s)
    return re.sub(r"[\s*:：]", "", s).replace("【", "(").replace("】", ")")


def fold_header(h: object) -> str:
    """A header cell with width, spaces, line breaks, asterisks and colons folded away.
    Memoised: the header scan folds every cell of the first rows once per kind."""
    try:
        return _fold(h)
    except TypeError:  # an unhashable value
        return _fold.__wrapped__(h)


@lru_cache(maxsize=8192)
def variants(folded: str) -> tuple[str, ...]:
    """The forms a folded header is compared in, most literal first: as written; without its
    numbering (1.企业名称); without a trailing note in brackets, one at a time; without any
    bracketed part; with brackets and punctuation dropped but their words kept (县(市,区) ->
    县市区); and each without 所在/所属/属地 in front."""
    out: list[str] = []

    def add(v: str) -> None:
        if v and v not in out:
            out.append(v)
    base = _NUMBERING.sub("", folded)
    add(folded)
    add(base)
    if "," in base:  # a note after a comma: 检查人姓名，多个使用,分割
        add(base.split(",", 1)[0])
    v = base
    while _TRAILING_GROUP.search(v):
        v = _TRAILING_GROUP.sub("", v)
        add(v)
    add(_GROUP.sub("", base))
    add(_PUNCT.sub("", base))
    for x in list(out):
        add(_PLACE.sub("", x))
    return tuple(out)


def col_letter(idx: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    s, n = "", idx + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


@dataclass
class Synonyms:
    by_kind: dict[str, dict[str, str]]  # kind -> normal form of a spelling -> field
    spellings: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # kind -> field -> folded spellings

    def lookup(self, kind: str, header: object) -> str | None:
        """The field a header names, in any of its normal forms; None when it is not one."""
        h = fold_header(header)
        if not h:
            return None
        idx = self.by_kind[kind]
        for v in variants(h):
            f = idx.get(v)
            if f:
                return f
        return None

    def similar(self, kind: str, header: object, taken: set[str]) -> tuple[str | None, list[str]]:
        """(field, []) when one field's spellings are clearly the most like the header; (None,
        candidates) when several are; (None, []) when none is. Fields in `taken` are out."""
        h = fold_header(header)
        core = _PUNCT.sub("", _PLACE.sub("", _GROUP.sub("", _NUMBERING.sub("", h))))
        if len(core) < 2:
            return None, []
        scores: dict[str, float] = {}
        for f, sps in self.spellings[kind].items():
            if f in taken:
                continue
            best = 0.0
            for sp in sps:
                sp_core = _PUNCT.sub("", _GROUP.sub("", sp))
                if core in sp_core and len(core) >= 2:
                    best = max(best, 0.79)  # a part of the spelling: a candidate, never a match alone
                best = max(best, _alike(core, sp_core))
            if best >= 0.75:
                scores[f] = best
        if not scores:
            return None, []
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        top = ranked[0]
        close = [f for f, sc in ranked if sc >= top[1] - 0.1]
        if top[1] >= SIMILAR and len(close) == 1:
            return top[0], []
        return None, close if len(close) > 1 else []


def _alike(a: str, b: str) -> float:
    """The larger of the sequence ratio and the share of characters in common (社会统一信用代码
    and 统一社会信用代码 are the same characters in another order)."""
    common = sum((Counter(a) & Counter(b)).values())
    return max(difflib.SequenceMatcher(None, a, b).ratio(), 2 * common / (len(a) + len(b)))


def _index(spec_fields: dict[str, list[str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    idx: dict[str, str] = {}
    folded: dict[str, list[str]] = {}
    for fname, sps in spec_fields.items():
        for sp in sps:
            f = fold_header(sp)
            folded.setdefault(fname, []).append(f)
            for v in variants(f):
                idx.setdefault(v, fname)
    return idx, folded


@lru_cache(maxsize=1)
def _base() -> tuple[dict[str, dict[str, str]], dict[str, dict[str, list[str]]]]:
    by_kind, spellings = {}, {}
    for kind, spec in refdata.kinds().items():
        by_kind[kind], spellings[kind] = _index(spec["fields"])
    return by_kind, spellings


def load_synonyms(map_file: Path | None = None) -> Synonyms:
    """The shipped spellings, with a user's mapping file on top. The file is TOML:
    `[hazard]` then `"隐患简述" = "description"`, or `[all]` for every kind."""
    base, spellings = _base()
    by_kind = {k: dict(v) for k, v in base.items()}
    spellings = {k: {f: list(s) for f, s in v.items()} for k, v in spellings.items()}
    if map_file:
        user = refdata.read_user_toml(map_file, "列名映射文件", chinese_keys=True)
        kinds = refdata.kinds()
        for section, mapping in user.items():
            kind_of = _kind_named(section)
            targets = list(kinds) if kind_of == "all" else [kind_of]
            for kind in targets:
                if kind not in kinds:
                    raise UsageError(f"列名映射文件中的“[{section}]”不是台账类型，可用："
                                     f"{'、'.join(v.get('short', v['label']) for v in kinds.values())}（或写 [全部]）")
                if not isinstance(mapping, dict):
                    raise UsageError(f"列名映射文件中的“{section}”应是一节（[{section}]），下面每行写 \"列名\" = \"字段\"。")
                for header, target in mapping.items():
                    fname = _field_named(kind, target, base)
                    if fname is None:
                        if kind_of == "all":
                            continue
                        labels = "、".join(v[0] for v in kinds[kind]["fields"].values())
                        raise UsageError(f"列名映射“{header} = {target}”：{kinds[kind]['label']}没有“{target}”这一项，"
                                         f"可写：{labels}")
                    f = fold_header(header)
                    by_kind[kind][f] = fname  # the user's word wins over a shipped spelling
                    spellings[kind].setdefault(fname, []).append(f)
    return Synonyms(by_kind, spellings)


def _kind_named(section: str) -> str:
    """A --map section in the clerk's words: [隐患], [隐患排查治理台账], [hazard]; [全部] or [all]."""
    if fold_header(section) in ("all", "全部", "所有"):
        return "all"
    for k, v in refdata.kinds().items():
        if fold_header(section) in (k, fold_header(v["label"]), fold_header(v.get("short", ""))):
            return k
    return section


def _field_named(kind: str, target: object, base: dict) -> str | None:
    """A --map target in the clerk's words: the field's id, or its Chinese label or any of its
    spellings ("所在镇街" = "乡镇(街道)")."""
    fields = refdata.kinds()[kind]["fields"]
    if not isinstance(target, str):
        return None
    if target in fields:
        return target
    f = fold_header(target)
    for v in variants(f):
        if v in base[kind]:
            return base[kind][v]
    return None


@dataclass
class HeaderMap:
    kind: str
    header_rows: list[int]  # 0-based indexes of the rows that make the header
    columns: dict[int, str]  # column index -> field
    headers: dict[int, str]  # column index -> header text as written
    unknown: list[tuple[int, str]] = field(default_factory=list)
    score: float = 0.0
    similar: set[int] = field(default_factory=set)  # columns read by similarity, not by a spelling
    ambiguous: list[tuple[int, str, list[tuple[str, str]]]] = field(default_factory=list)  # col, text, [(field, label)]
    title: str = ""  # file name, sheet name and the rows above the header: what the ledger leaves implicit
    follow_up: bool = False  # a list that follows up stored records by their number (挂牌督办 of hazards)
    sums: dict[str, list[int]] = field(default_factory=dict)  # field -> columns added up (one pair per sector)

    @property
    def data_start(self) -> int:
        return self.header_rows[-1] + 1

    def describe(self) -> dict[str, dict]:
        """Which column was read as which field: letter -> header, field, its label, how."""
        fields = refdata.kinds()[self.kind]["fields"]
        return {col_letter(c): {"header": self.headers.get(c), "field": f, "label": fields[f][0],
                                "how": "similar" if c in self.similar else "spelling"}
                for c, f in sorted(self.columns.items())}


def _row_labels(row: list) -> dict[int, str]:
    return {i: str(clean_text(v)) for i, v in enumerate(row) if clean_text(v) is not None}


def _parent_fill(parent: dict[int, str], width: int, merged: list) -> dict[int, str]:
    """Spread a group cell of the upper header row over the columns its merge covers."""
    filled = dict(parent)
    for (r0, c0), (r1, c1) in merged:
        for c in range(c0, c1 + 1):
            if c0 in parent and c not in parent:
                filled[c] = parent[c0]
    if not merged:  # no merge info (csv, ods): carry a group label right over blanks
        last = None
        for c in range(width):
            if c in parent:
                last = parent[c]
            elif last is not None:
                filled[c] = last
    return filled


def _preferred(kind: str, labels: dict[int, str]) -> list[tuple[int, str]]:
    """Columns in the order they claim fields: those with a kind's preferred words first
    (其中：生产安全事故 before 总数), then left to right."""
    words = refdata.kinds()[kind].get("prefer_words", [])
    items = list(labels.items())
    if not words:
        return items
    return sorted(items, key=lambda it: (not any(w in it[1] for w in words), it[0]))


def _map_row(syn: Synonyms, kind: str, labels: dict[int, str]) -> dict[int, str]:
    out: dict[int, str] = {}
    used: set[str] = set()
    for c, text in _preferred(kind, labels):
        f = syn.lookup(kind, text)
        if f and f not in used:
            out[c] = f
            used.add(f)
    return out


def _candidates(rows: list[list], r: int, merged: list) -> list[tuple[list[int], dict[int, str]]]:
    """The header readings starting at row r: one row, or two rows under merged groups."""
    top = _row_labels(rows[r])
    out = [([r], top)]
    if r + 1 < len(rows):
        below = _row_labels(rows[r + 1])
        if below:
            width = max([*top, *below]) + 1
            rel_merged = [m for m in merged if m[0][0] == r]
            parent = _parent_fill(top, width, rel_merged)
            combo: dict[int, str] = {}
            for c in range(width):
                # a group's first column (its own top cell, the group spreading right) is in the group too
                starts = c in top and (c + 1) in parent and (c + 1) not in top and (c + 1) in below
                if c in below:
                    combo[c] = (parent.get(c, "") + "-" + below[c]) if c in parent and (c not in top or starts) \
                        else below[c]
                elif c in top:
                    combo[c] = top[c]
            out.append(([r, r + 1], combo))
    return out


_ENTERPRISE_IN_TITLE = re.compile(r"[\u4e00-\u9fff()（）]{2,}(?:有限责任公司|股份有限公司|有限公司|公司|厂)")


def enterprise_in_title(title_text: str) -> str | None:
    """The name of the enterprise a title names (an enterprise's own register)."""
    m = _ENTERPRISE_IN_TITLE.search(title_text)
    return m.group(0) if m else None


def _names_enterprises(syn: Synonyms, labels: dict[int, str]) -> bool:
    return any(syn.lookup("enterprise", t) in ("name", "uscc") for t in labels.values())


_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")


def county_in_title(title_text: str) -> str | None:
    """The one current county-level division a title names (西湖区…), by its full name."""
    from zjsafety.core import divisions
    named = {d.code for d in divisions.all_divisions().values()
             if d.level == "county" and d.current and len(d.name) >= 3 and d.name in title_text}
    return named.pop() if len(named) == 1 else None


def year_in_title(title_text: str) -> int | None:
    years = {int(y) for y in _YEAR_IN_TITLE.findall(title_text)}
    return years.pop() if len(years) == 1 else None


def _score(kind: str, mapped: dict[int, str], title_text: str, names_enterprises: bool = False,
           forced: bool = False, given: frozenset = frozenset()) -> float | None:
    spec = refdata.kinds()[kind]
    if spec.get("no_enterprise_columns") and names_enterprises:
        return None  # a roster, a statistic or a task list has no row per enterprise
    fields = set(mapped.values()) | (given & set(spec["fields"]))  # what the command line gives for every row
    req = set(spec["required"])
    if "year" in req and year_in_title(title_text):
        req.discard("year")  # 2018年生产安全事故统计: the year is the title's
    if "county" in req and "township" in fields and county_in_title(title_text):
        req.discard("county")  # 西湖区各乡镇事故统计: its rows are the title's county's townships
    # a record may name its enterprise by code alone, or an enterprise's own register by its title
    if "name" in req and "name" not in fields and ("uscc" in fields or enterprise_in_title(title_text)):
        req = (req - {"name"}) | ({"uscc"} if "uscc" in fields else set())
    penalty = 0.0
    if not req <= fields:
        # a follow-up list (挂牌督办, 治理情况) names stored records by number, without what a new one needs
        follow = spec.get("follow_up", [])
        if not (any(set(alt) <= fields for alt in follow)
                and (req - fields) <= set(spec.get("follow_up_may_lack", []))):
            return None
        penalty = 1.0
    distinct = len(fields & set(spec["distinctive"]))
    title_bonus = 2.0 if any(t in title_text for t in spec.get("titles", [])) else 0.0
    minimal = set(spec.get("minimal", ["-"])) <= fields and (title_bonus or not spec.get("minimal_by_title"))
    if distinct == 0 and not forced and not minimal:
        return None  # (an enterprise list may be names and codes alone; --kind says what it is)
    return distinct * 2 + len(fields) * 0.5 + title_bonus - penalty


def _expand_combo(syn: Synonyms, kind: str, labels: dict[int, str]) -> dict[int, str]:
    """For a two-row reading, try 'group-child', then the child alone, then the group."""
    out: dict[int, str] = {}
    used: set[str] = set()
    for c, text in _preferred(kind, labels):
        tries = [text]
        if "-" in text:
            g, _, child = text.partition("-")
            tries = [text, g + child, child, g]
        for t in tries:
            f = syn.lookup(kind, t)
            if f and f not in used:
                out[c] = f
                used.add(f)
                break
    return out


def detect(rows: list[list], sheet_name: str, syn: Synonyms, *, kind: str | None = None,
           merged: list | None = None, context: str = "",
           given: frozenset = frozenset()) -> tuple[HeaderMap | None, list[tuple[str, float]]]:
    """Best header reading of the first rows. Returns (map or None, ranking of kinds).
    `context` (the file's name) counts as title text, as the sheet name and the rows above do."""
    merged = merged or []
    kinds = [kind] if kind else list(refdata.kinds())
    best: HeaderMap | None = None
    ranking: dict[str, float] = {}
    for r in range(min(len(rows), SCAN_ROWS)):
        above = " ".join(str(clean_text(v) or "") for row in rows[:r] for v in row)
        title = f"{context} {sheet_name} {above}"
        for hdr_rows, labels in _candidates(rows, r, merged):
            if len(labels) < 2:
                continue
            names = _names_enterprises(syn, labels)
            for k in kinds:
                mapped = _expand_combo(syn, k, labels) if len(hdr_rows) == 2 else _map_row(syn, k, labels)
                sc = _score(k, mapped, title, names, forced=kind is not None, given=given)
                if sc is None:
                    continue
                if len(hdr_rows) == 2:
                    # prefer the single-row reading when both explain the same, unless the upper row
                    # has groups merged across columns (事故起数 over 总数 / 其中：生产安全事故)
                    grouped = any(a[0] == r and b[0] == r and b[1] > a[1] for a, b in merged)
                    sc += 0.5 if grouped else -0.25
                ranking[k] = max(ranking.get(k, 0.0), sc)
                if best is None or sc > best.score:
                    best = HeaderMap(k, hdr_rows, mapped, labels, [], sc, title=title)
    if best is not None:
        _refine(best, syn)
        _by_values(best, rows)
        _sector_sums(best, syn)
        spec = refdata.kinds()[best.kind]
        req = set(spec["required"]) - {"name", "year"} - given
        best.follow_up = bool(spec.get("follow_up")) and not req <= set(best.columns.values())
    ranked = sorted(ranking.items(), key=lambda kv: -kv[1])
    return best, ranked


_TOWN = re.compile(r"(?:镇|乡|街道)$")


def _by_values(hm: HeaderMap, rows: list[list]) -> None:
    """Values that refute a header's reading: a 'county' column of 街道/镇 names is the township."""
    from zjsafety.core import divisions
    from zjsafety.core.normalize import CellError
    fields = refdata.kinds()[hm.kind]["fields"]
    for c, f in list(hm.columns.items()):
        if f != "county" or "township" not in fields or "township" in hm.columns.values():
            continue
        vals = [clean_text(r[c]) for r in rows[hm.data_start:] if c < len(r) and clean_text(r[c])]
        towns = 0
        for v in vals:
            try:
                divisions.resolve(v)
            except CellError:
                towns += bool(_TOWN.search(str(v)))
        if vals and towns * 2 > len(vals):
            hm.columns[c] = "township"
    numeric = set(refdata.load_toml("import.toml")["numeric_fields"])
    for c in sorted(hm.similar):  # a number field read by likeness whose cells are words: not that field
        if hm.columns.get(c) not in numeric:
            continue
        vals = [clean_text(r[c]) for r in rows[hm.data_start:] if c < len(r) and clean_text(r[c]) is not None]
        if vals and sum(not isinstance(v, (int, float)) and not str(v).replace(".", "", 1).isdigit()
                        for v in vals) * 2 > len(vals):
            del hm.columns[c]
            hm.similar.discard(c)
            hm.unknown.append((c, hm.headers[c]))


def _sector_sums(hm: HeaderMap, syn: Synonyms) -> None:
    """Statistics with one column pair per sector (道路交通: 起数 / 死亡人数, 工矿商贸: …) and no 合计:
    the county's figure is the sum of the sectors' columns."""
    from zjsafety.core.normalize import CellError, canonical_sector
    if hm.kind != "accident_stat" or len(hm.header_rows) != 2:
        return
    def sector_group(text: str) -> bool:
        group = text.partition("-")[0]
        try:
            return bool(group) and canonical_sector(group) is not None
        except CellError:
            return False
    for f in ("accidents", "deaths"):
        mapped = [c for c, x in hm.columns.items() if x == f]
        if not mapped or not sector_group(hm.headers.get(mapped[0], "")):
            continue  # a 合计 or 其中生产 column stands for the county
        cols = [c for c, t in hm.headers.items() if "-" in t and sector_group(t)
                and syn.lookup(hm.kind, t.partition("-")[2]) == f]
        if len(cols) > 1:
            hm.sums[f] = sorted(cols)


def rival(rows: list[list], syn: Synonyms, hm: HeaderMap) -> str | None:
    """Another kind the header row carries more of the distinctive fields of than the kind it
    was read as, although that kind's required columns are not all there: a screening ledger
    without its date is not an enterprise list. Such a sheet is refused, never stored as the
    wrong kind."""
    kinds = refdata.kinds()
    own = len(set(hm.columns.values()) & set(kinds[hm.kind]["distinctive"]))
    r = hm.header_rows[0]
    best, most = None, max(own, 1)  # a rival shows at least two of its own columns
    for hdr_rows, labels in _candidates(rows, r, []):
        for k, spec in kinds.items():
            if k == hm.kind:
                continue
            mapped = _expand_combo(syn, k, labels) if len(hdr_rows) == 2 else _map_row(syn, k, labels)
            n = len(set(mapped.values()) & set(spec["distinctive"]))
            if n > most:
                best, most = k, n
    return best


def _refine(hm: HeaderMap, syn: Synonyms) -> None:
    """The chosen header's columns no spelling named: read by similarity where one field is
    clearly meant, reported where several could be, listed as unknown otherwise."""
    labels = refdata.kinds()[hm.kind]["fields"]
    taken = set(hm.columns.values())
    for c, text in sorted(hm.headers.items()):
        if c in hm.columns or _is_index_col(text):
            continue
        tries = [text]
        if "-" in text:  # a two-row reading: the child alone too
            tries.append(text.partition("-")[2])
        f, cands = None, []
        for t in tries:
            f, cands = syn.similar(hm.kind, t, taken)
            if f or cands:
                break
        if f:
            hm.columns[c] = f
            hm.similar.add(c)
            taken.add(f)
        elif cands:
            hm.ambiguous.append((c, text, [(x, labels[x][0]) for x in cands]))
        else:
            hm.unknown.append((c, text))


def _is_index_col(text: str) -> bool:
    return fold_header(text) in {"序号", "编号序号", "No.", "No", "备注", "说明"}


def closest(rows: list[list], syn: Synonyms) -> tuple[str, list[str], list[str]] | None:
    """For a sheet no kind fits: the kind whose columns its best header row carries most of,
    and that row's headers it does not read (for a --suggest-map draft)."""
    best: tuple | None = None
    for r in range(min(len(rows), SCAN_ROWS)):
        labels = _row_labels(rows[r])
        if len(labels) < 2:
            continue
        for k, spec in refdata.kinds().items():
            mapped = _map_row(syn, k, labels)
            score = len(set(mapped.values()) & set(spec["distinctive"])) * 2 + len(mapped)
            if mapped and (best is None or score > best[0]):
                left = [t for c, t in labels.items() if c not in mapped and not _is_index_col(t)]
                best = (score, k, left, sorted(set(mapped.values())))
    return (best[1], best[2], best[3]) if best else None


def diagnose(rows: list[list], syn: Synonyms, kind: str) -> str:
    """Why a sheet is not a `kind` ledger, for the clerk: the header row that comes closest,
    the required columns it lacks, the headers that might be them and the --map line."""
    spec = refdata.kinds()[kind]
    best: tuple[int, dict[int, str], dict[int, str]] | None = None
    for r in range(min(len(rows), SCAN_ROWS)):
        labels = _row_labels(rows[r])
        mapped = _map_row(syn, kind, labels)
        if best is None or len(mapped) > len(best[1]):
            best = (r, mapped, labels)
    if best is None or not best[1]:
        return ""
    r, mapped, labels = best
    missing = [f for f in spec["required"] if f not in mapped.values()]
    if not missing:
        return ""
    left = [t for c, t in labels.items() if c not in mapped and not _is_index_col(t)]
    hint = f"第 {r + 1} 行最像表头，缺少：{'、'.join(spec['fields'][f][0] for f in missing)}。"
    if left:
        hint += (f"未识别的列：{'、'.join(f'“{t}”' for t in left)}；如其中一列就是所缺的，在 --map 文件中写 "
                 f"[{kind}] 下一行 \"{left[0]}\" = \"{missing[0]}\"。")
    return hint
