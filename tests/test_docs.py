"""README's generated sections match the code; every finding type the importer can emit is listed."""

import re
from pathlib import Path

from zjsafety import docs
from zjsafety.core.findings import FINDING_TYPES
from zjsafety.rules import REGISTRY

README = Path(__file__).parents[1] / "README.md"


def test_readme_catalogues_are_generated_from_the_code():
    text = README.read_text(encoding="utf-8")
    assert docs.render(text) == text, "run: python -m zjsafety.docs README.md"
    for rule_type in REGISTRY:
        assert f"`{rule_type}`" in text


def test_every_finding_type_used_in_the_code_is_catalogued():
    src = Path(docs.__file__).parent
    used = set()
    for p in src.rglob("*.py"):
        text = p.read_text(encoding="utf-8")
        used |= set(re.findall(r'CellError\(\s*"([a-z_]+)"', text))
        used |= set(re.findall(r'Finding\(\s*"([a-z_]+)"', text))
        used |= set(re.findall(r'self\.finding\(\s*row, [^,]+, "([a-z_]+)"', text))
        used |= {"bad_" + n for n in re.findall(r'_choice\("([a-z_]+)"', text)}
        used |= set(re.findall(r'_note\(\s*\w+,\s*[^,]+,\s*[^,]+,\s*"([a-z_]+)"', text))
    assert {"bad_uscc", "bad_date", "unknown_enterprise", "duplicate_in_file", "hidden_sheet"} <= used
    assert used <= set(FINDING_TYPES), used - set(FINDING_TYPES)
