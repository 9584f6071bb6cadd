"""Masking of personal data in what the public reads: ID numbers and phone numbers.

Enterprise names and USCCs are public (a published draw must be checkable against them) and
are never masked. ID numbers: the 18-character form with a valid GB 11643 check character, and
the old 15-digit form (which is all digits and begins with a Zhejiang division code). Phones:
mobiles and landlines as people write them — with spaces or dashes, +86 or 0086 in front, an
area code in brackets of either width."""

from __future__ import annotations

import re

_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])(33\d{4})(\d{6})(\d{3})(?![0-9A-Za-z])")
_SEP = r"[ \-\u00a0]?"
# +86 / 0086 / 86 in front, then 1xx xxxx xxxx with optional separators
_MOBILE = re.compile(rf"(?<![\dA-Za-z])((?:(?:\+|00)86{_SEP})?1[3-9]\d{_SEP})(\d{{4}})({_SEP}\d{{4}})(?![\dA-Za-z])")
# (0571)8765 1234, 0571-87651234, （0571）87651234
_LANDLINE = re.compile(r"(?<![\dA-Za-z])((?:[(（]0\d{2,3}[)）]|0\d{2,3})[ \-]?)(\d{3,4})([ \-]?\d{4})(?![\dA-Za-z])")
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_char(first17: str) -> str:
    """GB 11643 check character of an 18-character ID number."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _W)) % 11]


def _id18(m: re.Match) -> str:
    whole = m.group(0)
    if id_check_char(whole[:17]) != whole[17].upper():
        return whole  # not an ID number (a USCC of digits, an account number …): public, left alone
    return m.group(1) + "*" * 8 + m.group(3)


def mask(text: object) -> object:
    """330106198001011237 -> 330106********1237; 138 0571 1234 -> 138 **** 1234;
    (0571)87651234 -> (0571)****1234. Other values pass through unchanged."""
    if not isinstance(text, str) or not any(ch.isdigit() for ch in text):
        return text
    text = _ID18.sub(_id18, text)
    text = _ID15.sub(lambda m: m.group(1) + "*" * 6 + m.group(3), text)
    text = _MOBILE.sub(lambda m: m.group(1) + "*" * 4 + m.group(3), text)
    return _LANDLINE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


PERSONAL_FIELDS = frozenset({"id_no", "phone"})


def mask_cell(value: str) -> str:
    """A cell of an ID-number or phone column, whatever it holds (a mistyped number too): the
    first 6 and last 4 characters of a long value, else the last 2, the rest starred."""
    keep_head, keep_tail = (6, 4) if len(value) > 12 else (0, 2) if len(value) > 4 else (0, 0)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[len(value) - keep_tail:]
