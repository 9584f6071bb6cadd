"""Masking of personal data in what the public reads: ID numbers and phone numbers.

Enterprise names and USCCs are public (a published draw must be checkable against them) and
are never masked. ID numbers: the 18-character form with a valid GB 11643 check character, and
the old 15-digit form (which is all digits and begins with a Zhejiang division code); an
18-character one counts only when its region code, birth date and check character all hold. Phones:
mobiles and landlines as people write them — with spaces or dashes, +86 or 0086 in front, an
area code in brackets of either width."""

from __future__ import annotations

import re
from datetime import date

from zjsafety.core.normalize import uscc_problem

_D = r"[ \-.]?"  # people write numbers with spaces, dashes or dots between the groups
_ID18 = re.compile(rf"(?<![0-9A-Za-z*])(\d{{6}}){_D}(\d{{8}}){_D}(\d{{3}}[\dXx])(?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z*])(33\d{4})(\d{6})(\d{3})(?![0-9A-Za-z])")
_SEP = r"[ \-.\u00a0]?"
# +86 / 0086 / 86 in front, then 1xx xxxx xxxx with optional separators
_MOBILE = re.compile(rf"(?<![\dA-Za-z*])((?:(?:\+|00)86{_SEP})?1[3-9]\d{_SEP})(\d{{4}})({_SEP}\d{{4}})(?![\dA-Za-z])")
# (0571)8765 1234, 0571-87651234, （0571）87651234
_LANDLINE = re.compile(r"(?<![\dA-Za-z*])((?:[(（]0\d{2,3}[)）]|0\d{2,3})[ \-.]?)(\d{3,4})([ \-.]?\d{4})(?![\dA-Za-z])")
# a local number without its area code (87651234): eight digits, not an amount, a year or a document number
_LOCAL = re.compile(r"(?<![\d.,*〔\[(（])([2-8]\d{3})([ \-]?\d{4})(?![\d.]|\s*(?:元|万|亿|%|％|号|年|月|日|人|家|项|起))")
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
              61, 62, 63, 64, 65, 71, 81, 82}
# full-width digits, dashes, dots and spaces read as their half-width forms, one character for one
_WIDTH = {**{0xFF10 + i: str(i) for i in range(10)}, 0xFF0D: "-", 0x2010: "-", 0x2011: "-", 0x2012: "-",
          0x2013: "-", 0x2014: "-", 0x2212: "-", 0xFF0E: ".", 0x3000: " ", 0xFF0B: "+"}


def id_check_char(first17: str) -> str:
    """GB 11643 check character of an 18-character ID number."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _W)) % 11]


def is_id_number(digits: str) -> bool:
    """An 18-character ID number: a province's region code, a real birth date and its check
    character, all three (an all-digit USCC can pass the check character alone)."""
    if len(digits) != 18 or int(digits[:2]) not in _PROVINCES:
        return False
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today() and id_check_char(digits[:17]) == digits[17].upper()


def _star(m: re.Match, *groups: int) -> str:
    """The match with the digits of `groups` starred, every other character as it was."""
    out = list(m.group(0))
    base = m.start(0)
    for g in groups:
        for i in range(m.start(g) - base, m.end(g) - base):
            if out[i].isdigit():
                out[i] = "*"
    return "".join(out)


def _id18(m: re.Match) -> str:
    digits = m.group(1) + m.group(2) + m.group(3)
    return _star(m, 2) if is_id_number(digits) else m.group(0)


def mask(text: object) -> object:
    """330106198001011237 -> 330106********1237; 138 0571 1234 -> 138 **** 1234;
    (0571)87651234 -> (0571)****1234; in any width (１３８…, 0571－…) and with any separators.
    A valid USCC is public and never masked. Other values pass through unchanged."""
    if not isinstance(text, str) or not any(ch.isdigit() for ch in text):
        return text
    if uscc_problem(text.strip()) is None:
        return text
    half = text.translate(_WIDTH)  # same length: positions line up with the text as written
    t = _ID18.sub(_id18, half)
    t = _ID15.sub(lambda m: _star(m, 2), t)
    t = _MOBILE.sub(lambda m: _star(m, 2), t)
    t = _LANDLINE.sub(lambda m: _star(m, 2), t)
    t = _LOCAL.sub(lambda m: _star(m, 1), t)
    return "".join("*" if (m == "*" and o != "*") else o for o, m in zip(text, t))


PERSONAL_FIELDS = frozenset({"id_no", "phone"})


def mask_cell(value: str) -> str:
    """A cell of an ID-number or phone column, whatever it holds (a mistyped number too): the
    first 6 and last 4 characters of a long value, else the last 2, the rest starred."""
    keep_head, keep_tail = (6, 4) if len(value) > 12 else (0, 2) if len(value) > 4 else (0, 0)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[len(value) - keep_tail:]
