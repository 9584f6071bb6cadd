"""Finding the header row of a sheet, mapping its columns to fields, and recognising the kind.

Ledgers put title lines and 填报单位/填报日期 above the header, sometimes split the header
over two rows under merged group cells, and spell columns many ways: the synonym table in
data/columns.toml, plus a user's --map file, turns spellings into field names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from zjsafety.core import refdata
from zjsafety.core.errors import UsageError
from zjsafety.core.normalize import clean_text

SCAN_ROWS = 30
_PAREN = re.compile(r"\([^)]*\)")


@lru_cache(maxsize=8192, typed=True)
def _fold(h: object) -> str:
    s = clean_text(h) or ""
    s = unicodedata.normalize("NFKC", s)
    return re.sub(r"[\s*:：]", "", s).replace("【", "(").replace("】", ")")


def fold_header(h: object) -> str:
    """A header cell as the synonym table spells it. Memoised: the header scan looks every cell
    of the first rows up once per kind, thousands of times for one sheet."""
    try:
        return _fold(h)
    except TypeError:  # an unhashable value
        return _fold.__wrapped__(h)


def col_letter(idx: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    s, n = "", idx + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


@dataclass
class Synonyms:
    by_kind: dict[str, dict[str, str]]  # kind -> folded header -> field

    def lookup(self, kind: str, header: str) -> str | None:
        idx = self.by_kind[kind]
        h = fold_header(header)
        if not h:
            return None
        if h in idx:
            return idx[h]
        bare = _PAREN.sub("", h)
        return idx.get(bare) if bare else None


@lru_cache(maxsize=1)
def _base_synonyms() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for kind, spec in refdata.kinds().items():
        idx: dict[str, str] = {}
        for fname, spellings in spec["fields"].items():
            for sp in spellings:
                idx.setdefault(fold_header(sp), fname)
        out[kind] = idx
    return out


def load_synonyms(map_file: Path | None = None) -> Synonyms:
    """The shipped synonyms, with a user's mapping file on top. The file is TOML:
    `[hazard]` then `"隐患简述" = "description"`, or `[all]` for every kind."""
    by_kind = {k: dict(v) for k, v in _base_synonyms().items()}
    if map_file:
        user = refdata.read_user_toml(map_file, "列名映射文件")
        kinds = refdata.kinds()
        for section, mapping in user.items():
            targets = list(kinds) if section == "all" else [section]
            for kind in targets:
                if kind not in kinds:
                    raise UsageError(f"列名映射文件中的“[{section}]”不是台账类型，可用：{'、'.join(kinds)}")
                for header, fname in mapping.items():
                    if fname not in kinds[kind]["fields"]:
                        if section == "all":
                            continue
                        raise UsageError(f"列名映射“{header} = {fname}”：{kind} 台账没有字段“{fname}”。")
                    by_kind[kind][fold_header(header)] = fname
    return Synonyms(by_kind)


@dataclass
class HeaderMap:
    kind: str
    header_rows: list[int]  # 0-based indexes of the rows that make the header
    columns: dict[int, str]  # column index -> field
    headers: dict[int, str]  # column index -> header text as written
    unknown: list[tuple[int, str]] = field(default_factory=list)
    score: float = 0.0

    @property
    def data_start(self) -> int:
        return self.header_rows[-1] + 1


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


def _map_row(syn: Synonyms, kind: str, labels: dict[int, str]) -> dict[int, str]:
    out: dict[int, str] = {}
    used: set[str] = set()
    for c, text in labels.items():
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
                if c in below:
                    combo[c] = (parent.get(c, "") + "-" + below[c]) if c in parent and c not in top else below[c]
                elif c in top:
                    combo[c] = top[c]
            out.append(([r, r + 1], combo))
    return out


def _score(kind: str, mapped: dict[int, str], title_text: str) -> float | None:
    spec = refdata.kinds()[kind]
    fields = set(mapped.values())
    req = set(spec["required"])
    # a record may name its enterprise by code alone
    if "name" in req and "name" not in fields and "uscc" in fields:
        req = (req - {"name"}) | {"uscc"}
    if not req <= fields:
        return None
    distinct = len(fields & set(spec["distinctive"]))
    if distinct == 0:
        return None
    title_bonus = 2.0 if any(t in title_text for t in spec.get("titles", [])) else 0.0
    return distinct * 2 + len(fields) * 0.5 + title_bonus


def _expand_combo(syn: Synonyms, kind: str, labels: dict[int, str]) -> dict[int, str]:
    """For a two-row reading, try 'group-child', then the child alone, then the group."""
    out: dict[int, str] = {}
    used: set[str] = set()
    for c, text in labels.items():
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
           merged: list | None = None) -> tuple[HeaderMap | None, list[tuple[str, float]]]:
    """Best header reading of the first rows. Returns (map or None, ranking of kinds)."""
    merged = merged or []
    kinds = [kind] if kind else list(refdata.kinds())
    best: HeaderMap | None = None
    ranking: dict[str, float] = {}
    for r in range(min(len(rows), SCAN_ROWS)):
        above = " ".join(str(clean_text(v) or "") for row in rows[:r] for v in row)
        title = sheet_name + " " + above
        for hdr_rows, labels in _candidates(rows, r, merged):
            if len(labels) < 2:
                continue
            for k in kinds:
                mapped = _expand_combo(syn, k, labels) if len(hdr_rows) == 2 else _map_row(syn, k, labels)
                sc = _score(k, mapped, title)
                if sc is None:
                    continue
                if len(hdr_rows) == 2:
                    sc -= 0.25  # prefer the single-row reading when both explain the same
                ranking[k] = max(ranking.get(k, 0.0), sc)
                if best is None or sc > best.score:
                    unknown = [(c, t) for c, t in labels.items() if c not in mapped and not _is_index_col(t)]
                    best = HeaderMap(k, hdr_rows, mapped, labels, unknown, sc)
    ranked = sorted(ranking.items(), key=lambda kv: -kv[1])
    return best, ranked


def _is_index_col(text: str) -> bool:
    return fold_header(text) in {"序号", "编号序号", "No.", "No", "备注", "说明"}
