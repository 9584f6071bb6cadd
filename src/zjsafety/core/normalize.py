"""Normalisers and validators for the cells ledgers carry.

Each parser takes what a spreadsheet reader returns (str, float, int, date, datetime, None)
and returns a clean value, or raises `CellError` with a type slug and a Chinese message.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import mul

from zjsafety.core import refdata

# characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF): never written
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


class CellError(ValueError):
    """One cell's value is not acceptable; `slug` names the kind of problem."""

    def __init__(self, slug: str, message: str):
        super().__init__(message)
        self.slug = slug
        self.message = message


# ---------------------------------------------------------------- text

_WS = re.compile(r"\s+")


def display_width(text: str) -> int:
    """Columns a string takes in a terminal or a spreadsheet cell (a Chinese character two)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def clip(text: str, keep: int = 60) -> str:
    """A value quoted in a message, shortened when long (a 600k-character option would
    otherwise fill the screen and take a minute to lay out)."""
    return text if len(text) <= keep else f"{text[:keep]}…（共 {len(text):,} 字）"


def clean_text(v: object) -> str | None:
    """Strip a cell to text; blank, whitespace-only and None become None."""
    if v is None:
        return None
    if isinstance(v, float):
        # calamine hands integers back as floats: 12.0 -> "12"
        v = int(v) if v.is_integer() else v
    s = str(v).strip()
    return s or None


def fold(s: str) -> str:
    """Full-width to half-width, no whitespace: the form used to compare names and headers."""
    return _WS.sub("", unicodedata.normalize("NFKC", s))


def norm_name(v: object) -> str | None:
    """Enterprise name as a matching key: NFKC, no spaces, half-width brackets."""
    s = clean_text(v)
    return fold(s) if s else None


# ---------------------------------------------------------------- USCC (GB 32100-2015)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VAL = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_W = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_W = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VAL = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}  # GB 11714: A=10 … Z=35
_ORG_RE = re.compile(r"[0-9A-Z]{8}[0-9X]")


def norm_code(v: object) -> str | None:
    """A code as typed: half-width, no spaces or dashes, upper case."""
    s = clean_text(v)
    if s is None:
        return None
    if s.isascii() and s.isalnum():  # the usual case, without the regex
        return s.upper()
    return re.sub(r"[\s\-－_]", "", unicodedata.normalize("NFKC", s)).upper() or None


def uscc_check_char(first17: str) -> str:
    total = sum(map(mul, map(_USCC_VAL.__getitem__, first17), _USCC_W))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character over 8 digits/letters (A=10 … Z=35)."""
    total = sum(map(mul, map(_ORG_VAL.__getitem__, first8), _ORG_W))
    r = 11 - total % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def uscc_problem(code: str) -> str | None:
    """Why a normalised USCC is invalid, in Chinese; None when it is valid."""
    if len(code) != 18:
        return f"应为18位，实际{len(code)}位"
    if not _USCC_VAL.keys() >= set(code):
        bad = [c for c in code if c not in _USCC_VAL]
        return f"含有不允许的字符“{''.join(dict.fromkeys(bad))}”（不使用 I、O、Z、S、V）"
    if not code[2:8].isdigit():
        return "第3—8位应为行政区划代码（数字）"
    body = code[8:17]
    if not _ORG_RE.fullmatch(body):
        return "第9—17位组织机构代码格式不对"
    if org_code_check_char(body[:8]) != body[8]:
        return f"内含组织机构代码校验位不对（应为{org_code_check_char(body[:8])}）"
    want = uscc_check_char(code[:17])
    if want != code[17]:
        return f"校验位不对（按 GB 32100 应为{want}）"
    return None


def parse_uscc(v: object) -> str | None:
    code = norm_code(v)
    if code is None:
        return None
    why = uscc_problem(code)
    if why:
        raise CellError("bad_uscc", f"统一社会信用代码“{code}”无效：{why}")
    return code


def parse_org_code(v: object) -> str | None:
    code = norm_code(v)
    if code is None:
        return None
    if not _ORG_RE.fullmatch(code) or org_code_check_char(code[:8]) != code[8]:
        raise CellError("bad_org_code", f"组织机构代码“{code}”无效（9位，末位为 GB 11714 校验位）")
    return code


# ---------------------------------------------------------------- dates

_EPOCH_1900 = date(1899, 12, 30)  # Excel's 1900 system, including its 1900-02-29
_EPOCH_1904 = date(1904, 1, 1)
_DATE_RE = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?(?:\s+.*)?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*月?$")


def _mk(y: int, m: int, d: int, raw: object) -> date:
    try:
        out = date(y, m, d)
    except ValueError:
        raise CellError("bad_date", f"“{raw}”不是有效日期") from None
    if not 1949 <= out.year <= 2100:
        raise CellError("bad_date", f"日期“{raw}”的年份超出合理范围")
    return out


def parse_date(v: object, *, date1904: bool = False) -> date | None:
    """Dates as ledgers hold them: real date cells, Excel serials, and the text forms
    2018-06-30, 2018/6/30, 2018.6.30, 2018年6月30日, 20180630."""
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, timedelta):  # calamine: a duration cell
        raise CellError("bad_date", "单元格是时长而不是日期")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if float(v).is_integer() and 19000101 <= v <= 21001231:
            s = str(int(v))
            return _mk(int(s[:4]), int(s[4:6]), int(s[6:]), v)
        if 1 <= v < 80000:
            base = _EPOCH_1904 if date1904 else _EPOCH_1900
            return _mk_from(base + timedelta(days=int(v)), v)
        raise CellError("bad_date", f"数字“{v}”不是日期")
    s = clean_text(v)
    if s is None:
        return None
    s = unicodedata.normalize("NFKC", s)
    m = _DATE_RE.match(s) or _COMPACT_RE.match(s)
    if m:
        return _mk(int(m[1]), int(m[2]), int(m[3]), v)
    if re.fullmatch(r"\d{5}(\.0+)?", s):  # a serial number stored as text
        return parse_date(float(s), date1904=date1904)
    if _MONTH_RE.match(s):
        raise CellError("incomplete_date", f"“{s}”只有年月，缺少日")
    raise CellError("bad_date", f"“{s}”无法识别为日期（可用 2018-06-30、2018/6/30、2018.6.30、2018年6月30日）")


def _mk_from(d: date, raw: object) -> date:
    return _mk(d.year, d.month, d.day, raw)


# ---------------------------------------------------------------- yes / no

_YES = {"是", "√", "✓", "✔", "有", "y", "yes", "true", "1", "已", "对", "t", "已登记", "已报告", "已备案", "已挂牌",
        "已入库", "已录入"}
_NO = {"否", "×", "✗", "✘", "无", "n", "no", "false", "0", "未", "没有", "f", "未登记", "未报告", "未备案", "未挂牌", "不是",
       "未入库", "未录入"}


def parse_bool(v: object) -> bool | None:
    """是/否, √/×, 有/无, Y/N, 1/0; blank is None (unknown), not False."""
    if isinstance(v, bool):
        return v
    s = clean_text(v)
    if s is None:
        return None
    key = fold(s).lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise CellError("bad_bool", f"“{s}”应填“是”或“否”")


# ---------------------------------------------------------------- numbers

def parse_number(v: object) -> float | None:
    if v is None or isinstance(v, bool):
        return None if v is None else float(v)
    if isinstance(v, (int, float)):
        return float(v)
    s = clean_text(v)
    if s is None:
        return None
    t = unicodedata.normalize("NFKC", s).replace(",", "").replace("，", "")
    t = re.sub(r"(元|万元|人|起|亿元|项|个)$", "", t).strip()
    try:
        return float(t)
    except ValueError:
        raise CellError("bad_number", f"“{s}”不是数字") from None


def parse_int(v: object) -> int | None:
    x = parse_number(v)
    if x is None:
        return None
    if not float(x).is_integer():
        raise CellError("bad_integer", f"“{clean_text(v)}”应为整数")
    if x < 0:
        raise CellError("negative", f"“{clean_text(v)}”不能为负数")
    return int(x)


# ---------------------------------------------------------------- sectors

@lru_cache(maxsize=1)
def _sector_index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for s in refdata.sectors():
        for alias in [s["name"], *s.get("aliases", [])]:
            idx[fold(alias)] = s["name"]
    return idx


def canonical_sector(v: object) -> str | None:
    """危化品 -> 危险化学品, 工贸 -> 工矿商贸, 建筑施工 -> 建设施工 …; unknown raises."""
    s = clean_text(v)
    if s is None:
        return None
    key = fold(s)
    idx = _sector_index()
    if key in idx:
        return idx[key]
    key2 = re.sub(r"(行业|领域|企业|类)$", "", key)
    if key2 in idx:
        return idx[key2]
    for word, sector in _sector_words():  # 机械制造企业, 商贸制造: the words of real systems (GB/T 4754)
        if word in key2:
            return sector
    names = "、".join(x["name"] for x in refdata.sectors())
    raise CellError("unknown_sector", f"行业领域“{s}”无法识别，应为：{names}")


@lru_cache(maxsize=1)
def _sector_words() -> list[tuple[str, str]]:
    """data/sector_words.csv, longest word first: 危险化学品运输 is 危险化学品, not 道路交通."""
    rows = [(fold(r["word"]), r["sector"]) for r in refdata.load_csv("sector_words.csv")]
    return sorted(rows, key=lambda r: -len(r[0]))


def parse_sectors(v: object) -> list[str]:
    """A cell may name several sectors: 工矿商贸、危险化学品 / 工矿商贸;危化品."""
    s = clean_text(v)
    if s is None:
        return []
    parts = [p for p in re.split(r"[、,，;；/|+]+", s) if p.strip()]
    return list(dict.fromkeys(canonical_sector(p) for p in parts))


@lru_cache(maxsize=1)
def _industry_rows() -> list[tuple[str, str]]:
    rows = [(r["prefix"], r["sector"]) for r in refdata.load_csv("industry_sectors.csv")]
    return sorted(rows, key=lambda r: -len(r[0]))


_SECTIONS = [(1, 5, "A"), (6, 12, "B"), (13, 43, "C"), (44, 46, "D"), (47, 50, "E"), (51, 52, "F"),
             (53, 60, "G"), (61, 62, "H"), (63, 65, "I"), (66, 69, "J"), (70, 70, "K"), (71, 72, "L"),
             (73, 75, "M"), (76, 79, "N"), (80, 82, "O"), (83, 83, "P"), (84, 85, "Q"), (86, 90, "R"),
             (91, 96, "S"), (97, 97, "T")]


def industry_sector_hint(code: object) -> str | None:
    """GB/T 4754-2017 code (with or without its section letter) -> the plan's sector, or None."""
    c = norm_code(code)
    if not c:
        return None
    if c[0].isdigit():
        if len(c) < 2:
            return None
        div = int(c[:2])
        letter = next((L for lo, hi, L in _SECTIONS if lo <= div <= hi), None)
        if letter is None:
            return None
        c = letter + c
    for prefix, sector in _industry_rows():
        if c.startswith(prefix):
            return sector
    return None


# A roster's 回避企业 cell lists enterprises by code or name, split by the separators clerks use
# (not by spaces: a name may hold one, and norm_name drops it).
# entries are separated by these; every Unicode space (U+3000 from Chinese typing, no-break
# spaces, tabs) separates them too, but a name may hold a space: see conflict_chunks
_LIST_SPLIT = re.compile(r"[,，、;；/|\n]+")
_SPACES = re.compile(r"\s+")


def _entry(token: str) -> str | None:
    code = norm_code(token)
    return code if code and uscc_problem(code) is None else norm_name(token)


def conflict_chunks(text: str | None) -> list[list[str]]:
    """A roster's 回避企业 cell as chunks, each the ways it can be read: a chunk with spaces in it
    (甲公司　乙公司, or 杭州恒达 机械有限公司) is its parts, and also the whole folded into one name.
    Every reading bars the inspector (more bars are safe); a chunk names somebody known when its
    whole does or all its parts do."""
    out = []
    for chunk in _LIST_SPLIT.split(text or ""):
        parts = [p for p in _SPACES.split(chunk) if p]
        readings = [_entry(p) for p in parts]
        if len(parts) > 1:
            readings.append(_entry(chunk))
        readings = [r for r in dict.fromkeys(readings) if r]
        if readings:
            out.append(readings)
    return out


def conflict_entries(text: str | None) -> list[str]:
    """A roster's 回避企业 cell as entries: a valid USCC as itself, anything else as a normalised
    name; every reading of every chunk (conflict_chunks)."""
    return sorted({e for chunk in conflict_chunks(text) for e in chunk})


def unknown_chunks(text: str | None, known: set[str]) -> list[str]:
    """The chunks of a 回避企业 cell that name nobody known: neither the whole nor all its parts."""
    out = []
    for chunk in conflict_chunks(text):
        parts, whole = (chunk[:-1], chunk[-1]) if len(chunk) > 1 else (chunk, chunk[0])
        if whole not in known and not all(p in known for p in parts):
            out.append(whole)
    return out
