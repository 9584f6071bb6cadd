"""Rows are validated a column at a time (importers.models.validate): each field is one pydantic
PlainValidator, so mapping a column through its normaliser must give exactly what pydantic gives
cell by cell — the same values, and the same bad cells with the same slug and message."""

from datetime import date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from ledgers import USCC
from zjsafety.importers.fields import SpecialCell, cell_fault
from zjsafety.importers.models import MODELS, ROW_TYPES, validate

# cells a ledger really holds, good and bad, for every kind of field
SAMPLES = ["", None, " 西湖区 ", "330106", "杭州市西湖区", "工贸、危化品", "危险化学品", USCC[0], USCC[0].lower(),
           USCC[0][:-1] + "0", "91330106MA2GL1234", "2018.4.2", "2018年5月3日", 43281, 43281.0, date(2018, 3, 1),
           datetime(2018, 3, 1, 9, 30), "2018-02-30", "2018年6月", "是", "否", "√", "重大", "一般", "已整改", "整改中",
           "已验收销号", "随便写的", "县级", "省级", "#N/A", SpecialCell("error", "#DIV/0!"),
           SpecialCell("formula", "=A1+B1"), 3, -2, "12", "1.5万", 7.25, True, "  ", "XH-001", "xh001"]


def _pydantic(kind: str, rows: list[tuple]):
    """What pydantic gives: the row types validated row by row."""
    adapter = TypeAdapter(ROW_TYPES[kind])
    made, faults = [], []
    fields = ROW_TYPES[kind]._fields
    for i, cells in enumerate(rows):
        try:
            made.append(adapter.validate_python(cells))
        except ValidationError as e:
            made.append(None)
            for err in e.errors():
                exc = err["ctx"]["error"]
                faults.append((i, fields[err["loc"][0]], cell_fault(exc), cells[err["loc"][0]]))
    return made, sorted(faults, key=lambda x: (x[0], x[1]))


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_a_column_at_a_time_gives_what_pydantic_gives_cell_by_cell(kind):
    n = len(ROW_TYPES[kind]._fields)
    # every sample in every field, shifted so each row mixes kinds of cells
    rows = [tuple(SAMPLES[(r + f * 7) % len(SAMPLES)] for f in range(n)) for r in range(len(SAMPLES) * 2)]
    rows += [tuple("" for _ in range(n))]
    made, faults = validate(kind, rows)
    want_made, want_faults = _pydantic(kind, rows)
    assert made == want_made
    assert sorted(((i, f, cell_fault(exc), v) for i, f, exc, v in faults), key=lambda x: (x[0], x[1])) == want_faults
    assert any(m is not None for m in made) and faults  # both roads taken
