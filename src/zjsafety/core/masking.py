"""Masking of personal data in documents for the public (phones, ID numbers)."""

from __future__ import annotations

import re

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")


def mask(text: object) -> object:
    """330106198001011234 -> 330106********1234; 13805711234 -> 138****1234; 0571-87651234 ->
    0571-****1234. Other values pass through."""
    if not isinstance(text, str):
        return text
    text = _ID.sub(lambda m: m[1] + "*" * 8 + m[3][-4:] if len(m[3]) == 4 else m[1] + "********" + m[3], text)
    text = _MOBILE.sub(lambda m: m[1] + "****" + m[3], text)
    return _LANDLINE.sub(lambda m: m[1] + "*" * len(m[2]) + m[3], text)
