"""Which stored record a ledger row is: identity that neither loses nor doubles.

A row's natural key (importers.records) names a new record. A row that may be one already
stored is matched against the stored records it could be, field by field, and takes that
record's key: a field the row leaves empty (or whose column the ledger lacks), or that the
stored record lacks, neither confirms nor refutes a match. So a ledger without the 隐患编号
column finds the numbered hazards, and a column added later (检查类型) does not make new records
of old ones. A ledger number (隐患编号, 危险源编号, 处罚文书号) names one record within its
enterprise; a hazard number reused in another year for another hazard is a new hazard.

Enterprises have their own rules (`EnterpriseResolver`): USCC, organisation code, then the
normalised name — a record kept by name only is completed by a row bringing its USCC, and a
USCC one character off from that of a stored enterprise of the same name is a correction to
confirm, never a second enterprise unless the clerk says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from zjsafety.core.normalize import fold
from zjsafety.store import records as sql


@dataclass(frozen=True)
class Identity:
    by: str | None  # the column candidates share with the row (None: the whole, small, table)
    number: str | None = None  # a ledger number: equal numbers are one record (within `by`)
    fields: tuple[str, ...] = ()  # must agree (or be unknown) for any match
    loose: tuple[str, ...] = ()  # must agree (or be unknown) when no number decides
    by_year: bool = False  # a number names one record only within a year (or with its description)


IDENTITY: dict[str, Identity] = {
    "hazard": Identity("enterprise_id", "hazard_no", loose=("found_on", "description"), by_year=True),
    "screening": Identity("enterprise_id", loose=("screened_on", "campaign", "sector")),
    "inspection": Identity("enterprise_id", loose=("inspected_on", "level", "department")),
    "penalty": Identity("enterprise_id", "case_no", loose=("decided_on", "violation")),
    "training": Identity("enterprise_id", "certificate_no", loose=("trained_on", "person_name")),
    "major_risk": Identity("enterprise_id", "risk_no", loose=("risk_name",)),
    "major_hazard_register": Identity("hazard_no", loose=("enterprise_id",)),
    "above_scale_list": Identity(None, "uscc", fields=("list_year",), loose=("name_norm",)),
    "inspector": Identity(None, "badge_no", loose=("name", "unit", "id_no")),
    "plan_task": Identity(None, "task_code", fields=("county_code",), loose=("title",)),
}
FOLDED = {"description", "campaign", "department", "violation", "risk_name", "title", "unit", "name", "case_no",
          "person_name"}


def _norm(col: str, v):
    return fold(v) if col in FOLDED and isinstance(v, str) else v


def _agree(cols, row: dict, cand: dict) -> bool:
    for c in cols:
        a, b = row.get(c), cand.get(c)
        if a is not None and b is not None and _norm(c, a) != _norm(c, b):
            return False
    return True


def _exact(cols, row: dict, cand: dict) -> bool:
    return all(row.get(c) is not None and cand.get(c) is not None and _norm(c, row[c]) == _norm(c, cand[c])
               for c in cols)


@dataclass
class Match:
    key: str | None = None  # the stored record's key; None: a new record
    reused: dict | None = None  # a stored record with the same number that this row is not
    ambiguous: list[str] | None = None  # the columns whose absence leaves several candidates


def _by_number(ident: Identity, row: dict, same: list[dict]) -> Match | None:
    """What the stored records of the row's `by` with its number (`same`, agreeing in `fields`)
    decide: the record it is, or one it is not (a number reused in another year), or nothing."""
    if not same:
        return None
    ok = [c for c in same if _same_year(row, c) or _exact(("description",), row, c)] if ident.by_year else same
    return Match(ok[0]["natural_key"]) if ok else Match(reused=same[0])


def match(ident: Identity, row: dict, cands: list[dict]) -> Match:
    """The stored record (of `cands`, which share the row's `by`) this row is, if any."""
    cands = [c for c in cands if _agree(ident.fields, row, c)]
    no = row.get(ident.number) if ident.number else None
    if no is not None:
        same = [c for c in cands if c.get(ident.number) is not None and _norm(ident.number, c[ident.number])
                == _norm(ident.number, no)]
        decided = _by_number(ident, row, same)
        if decided is not None:
            return decided
        cands = [c for c in cands if c.get(ident.number) is None]  # an unnumbered record it may be
    pool = [c for c in cands if _agree(ident.loose, row, c)]
    if len(pool) > 1:
        exact = [c for c in pool if _exact(ident.loose, row, c)]
        if len(exact) == 1:
            return Match(exact[0]["natural_key"])
        return Match(ambiguous=[c for c in ident.loose if row.get(c) is None] or list(ident.loose))
    return Match(pool[0]["natural_key"] if pool else None)


def _same_year(row: dict, cand: dict) -> bool:
    a, b = row.get("found_on"), cand.get("found_on")
    return a is None or b is None or a[:4] == b[:4]


class Resolver:
    """Resolves a batch of built records of one kind against the stored ones."""

    def __init__(self, conn, kind: str, table: str):
        self.conn, self.ident, self.table = conn, IDENTITY.get(kind), table
        ident = self.ident
        # a ledger number compared as stored (not folded) and indexed: the records a numbered
        # row may be are found by their number first, and an enterprise's other records are
        # read only for the rows their number does not settle (a re-import reads each record once,
        # not every record of every enterprise the batch names)
        self.number_first = bool(ident and ident.by and ident.number and ident.number not in FOLDED
                                 and sql.indexed(conn, table, ident.number))

    def resolve(self, values: list[dict]) -> list[Match]:
        if self.ident is None or not values:
            return [Match() for _ in values]
        ident = self.ident
        cols = sorted({ident.by, ident.number, *ident.fields, *ident.loose} - {None})
        if ident.by is not None:
            out: list[Match | None] = [None] * len(values)
            if self.number_first:
                numbered: dict = {}
                for c in sql.stored_candidates(self.conn, self.table, cols, ident.number,
                                               [v.get(ident.number) for v in values]):
                    numbered.setdefault((c[ident.by], c[ident.number]), []).append(c)
                for i, v in enumerate(values):
                    if v.get(ident.number) is not None:
                        same = numbered.get((v.get(ident.by), v[ident.number]), [])
                        out[i] = _by_number(ident, v, [c for c in same if _agree(ident.fields, v, c)])
            rest = [i for i, m in enumerate(out) if m is None]
            if rest:
                # rows that all carry a number, not settled by it, can only be unnumbered records
                unnumbered = self.number_first and all(values[i].get(ident.number) is not None for i in rest)
                groups: dict = {}
                for c in sql.stored_candidates(self.conn, self.table, cols, ident.by,
                                               [values[i].get(ident.by) for i in rest],
                                               null=ident.number if unnumbered else None):
                    groups.setdefault(c[ident.by], []).append(c)
                for i in rest:
                    out[i] = match(ident, values[i], groups.get(values[i].get(ident.by), []))
            return out  # type: ignore[return-value]
        # a small table read whole, indexed by its number and its first loose field (a name or
        # title every row holds): a row can only be a record sharing one of the two
        index: dict = {}
        keyed = [f for f in (ident.number, ident.loose[0]) if f]
        for c in sql.stored_candidates(self.conn, self.table, cols, None, ()):
            for f in keyed:
                if c.get(f) is not None:
                    index.setdefault((f, _norm(f, c[f])), []).append(c)
        out = []
        for v in values:
            seen: dict[str, dict] = {}
            for f in keyed:
                if v.get(f) is not None:
                    for c in index.get((f, _norm(f, v[f])), []):
                        seen[c["natural_key"]] = c
            out.append(match(ident, v, list(seen.values())))
        return out


# ---------------------------------------------------------------- enterprises

def one_char_off(a: str, b: str) -> bool:
    """Two USCCs that differ by one mistyped character (or two swapped neighbours) of what the
    clerk types: the check characters (the organisation code's, at 17, and the USCC's, at 18)
    follow from the rest, so they are left out of the comparison."""
    if len(a) != 18 or len(b) != 18 or a == b:
        return False
    x, y = a[:16], b[:16]
    diff = [i for i in range(16) if x[i] != y[i]]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and x[diff[0]] == y[diff[1]] and x[diff[1]] == y[diff[0]]


@dataclass
class EntResolution:
    key: str | None = None  # the stored enterprise's key; None: a new enterprise
    correction_of: dict | None = None  # a stored enterprise whose USCC this row's looks like a correction of


class EnterpriseResolver:
    def __init__(self, conn, correct_uscc: str | None = None):
        self.conn = conn
        self.correct_uscc = correct_uscc  # None: offer; "correct": take the new code; "keep": a second enterprise

    def resolve(self, rows: list[tuple[dict, str | None, bool]]) -> list[EntResolution]:
        """rows: (values, county, whether the county was stated)."""
        if not rows:
            return []
        stored = sql.enterprises_like(self.conn, [v["uscc"] for v, _, _ in rows],
                                      [v["org_code"] for v, _, _ in rows], [v["name_norm"] for v, _, _ in rows])
        if not stored:
            return [EntResolution() for _ in rows]
        by_uscc = {s["uscc"]: s for s in stored if s["uscc"]}
        by_org: dict[str, list[dict]] = {}
        by_name: dict[str, list[dict]] = {}
        for s in stored:
            if s["org_code"]:
                by_org.setdefault(s["org_code"], []).append(s)
            by_name.setdefault(s["name_norm"], []).append(s)
        return [self._one(v, county, stated, by_uscc, by_org, by_name) for v, county, stated in rows]

    def _one(self, v: dict, county, stated: bool, by_uscc, by_org, by_name) -> EntResolution:
        uscc = v["uscc"]
        if uscc and uscc in by_uscc:
            return EntResolution(by_uscc[uscc]["natural_key"])
        if v["org_code"]:
            hits = [s for s in by_org.get(v["org_code"], []) if s["uscc"] in (None, uscc)]
            if len(hits) == 1:
                return EntResolution(hits[0]["natural_key"])
        named = by_name.get(v["name_norm"], [])
        if stated and county:  # a county the row states narrows the name; an inferred one does not
            named = [s for s in named if s["county_code"] in (county, None)]
        if not uscc:
            return EntResolution(named[0]["natural_key"]) if len(named) == 1 else EntResolution()
        bare = [s for s in named if not s["uscc"]]
        if len(bare) == 1:  # kept by name only until now: this row completes it
            return EntResolution(bare[0]["natural_key"])
        near = [s for s in named if s["uscc"] and one_char_off(s["uscc"], uscc)]
        if len(near) == 1 and self.correct_uscc != "keep":
            if self.correct_uscc == "correct":
                return EntResolution(near[0]["natural_key"])
            return EntResolution(correction_of=near[0])
        return EntResolution()
