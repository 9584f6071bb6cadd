"""The database schema as an ordered list of migrations.

A database records its version in `meta`; opening it applies the missing steps in one
transaction each, so a user's database from an older zjsafety upgrades in place.
Never edit a released step: add a new one. A step is an SQL script, or a function given a
sqlite-utils Database, for changes SQLite's ALTER TABLE cannot make (`table.transform` copies
the table into its new shape inside the step's transaction).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the steps that need it are given one (connection._python_step imports it):
    import sqlite_utils  # importing it at start-up costs every command, and pulls in pandas where installed

# Columns every imported record carries: the import batch (file, sha256, time) and the row.
_PROV = "batch_id INTEGER REFERENCES import_batch(id), src_row INTEGER"

M1 = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE import_batch (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL, file_name TEXT NOT NULL, sha256 TEXT NOT NULL,
    kind TEXT NOT NULL, sheet TEXT, imported_at TEXT NOT NULL, rows_read INTEGER NOT NULL,
    inserted INTEGER NOT NULL, updated INTEGER NOT NULL, unchanged INTEGER NOT NULL,
    rejected INTEGER NOT NULL, tool_version TEXT
);
CREATE TABLE jurisdiction (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT NOT NULL, parent_code TEXT,
    retired_in INTEGER, successors TEXT
);
CREATE TABLE sector (
    name TEXT PRIMARY KEY, grp TEXT NOT NULL, lead_department TEXT, high_volume INTEGER NOT NULL
);
CREATE TABLE enterprise (
    id INTEGER PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE, uscc TEXT UNIQUE, org_code TEXT,
    reg_no TEXT, name TEXT NOT NULL, name_norm TEXT NOT NULL, county_code TEXT REFERENCES jurisdiction(code),
    township TEXT, industry_code TEXT, above_scale INTEGER, status TEXT, closed_on TEXT,
    address TEXT, contact TEXT, phone TEXT, {_PROV}
);
CREATE TABLE enterprise_sector (
    enterprise_id INTEGER NOT NULL REFERENCES enterprise(id) ON DELETE CASCADE,
    sector TEXT NOT NULL REFERENCES sector(name), PRIMARY KEY (enterprise_id, sector)
);
CREATE TABLE screening (
    id INTEGER PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE,
    enterprise_id INTEGER NOT NULL REFERENCES enterprise(id), county_code TEXT, sector TEXT,
    screened_on TEXT NOT NULL, campaign TEXT, major_hazard_campaign INTEGER, screener TEXT,
    hazards_found INTEGER, result TEXT, matched_by TEXT, {_PROV}
);
CREATE TABLE hazard (
    id INTEGER PRIMARY KEY, hazard_no TEXT NOT NULL UNIQUE,
    enterprise_id INTEGER NOT NULL REFERENCES enterprise(id), county_code TEXT, sector TEXT,
    found_on TEXT NOT NULL, description TEXT NOT NULL, hazard_type TEXT, is_major INTEGER NOT NULL,
    source TEXT, status TEXT NOT NULL, deadline TEXT, rectified_on TEXT, closed_on TEXT,
    matched_by TEXT, {_PROV}
);
"""

M2 = f"""
ALTER TABLE hazard ADD COLUMN listed INTEGER;
ALTER TABLE hazard ADD COLUMN listing_level TEXT;
ALTER TABLE hazard ADD COLUMN listed_on TEXT;
ALTER TABLE hazard ADD COLUMN report_dept INTEGER;
ALTER TABLE hazard ADD COLUMN report_workers INTEGER;
CREATE TABLE hazard_status (
    id INTEGER PRIMARY KEY, hazard_id INTEGER NOT NULL REFERENCES hazard(id) ON DELETE CASCADE,
    status TEXT NOT NULL, rectified_on TEXT, closed_on TEXT, recorded_at TEXT NOT NULL,
    batch_id INTEGER REFERENCES import_batch(id)
);
CREATE TABLE major_hazard_register (
    id INTEGER PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE, hazard_no TEXT NOT NULL,
    register_no TEXT, registered_on TEXT, county_code TEXT, enterprise_id INTEGER REFERENCES enterprise(id),
    description TEXT, {_PROV}
);
CREATE TABLE major_risk (
    id INTEGER PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE, risk_no TEXT,
    enterprise_id INTEGER NOT NULL REFERENCES enterprise(id), county_code TEXT, sector TEXT,
    risk_name TEXT NOT NULL, risk_kind TEXT, risk_level TEXT, identified_on TEXT, registered INTEGER,
    registered_on TEXT, grid TEXT, responsible_gov TEXT, responsible_dept TEXT, matched_by TEXT, {_PROV}
);
CREATE TABLE inspection (
    id INTEGER PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE,
    enterprise_id INTEGER NOT NULL REFERENCES enterprise(id), county_code TEXT, inspected_on TEXT NOT NULL,
    level TEXT NOT NULL, department TEXT, inspectors TEXT, result TEXT, hazards_found INTEGER,
    draw_ref TEXT, matched_by TEXT, {_PROV}
);
CREATE TABLE penalty (
    id INTEGER PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE, case_no TEXT,
    enterprise_id INTEGER NOT NULL REFERENCES enterprise(id), county_code TEXT, decided_on TEXT NOT NULL,
    accident_related INTEGER, amount REAL, department TEXT, violation TEXT, matched_by TEXT, {_PROV}
);
CREATE TABLE accident_stat (
    id INTEGER PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE, county_code TEXT NOT NULL, year INTEGER NOT NULL,
    accidents INTEGER, deaths INTEGER, gdp REAL, {_PROV}
);
CREATE TABLE above_scale_list (
    id INTEGER PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE, uscc TEXT, name TEXT NOT NULL,
    name_norm TEXT NOT NULL, county_code TEXT, list_year INTEGER, revenue REAL, {_PROV}
);
CREATE TABLE inspector (
    id INTEGER PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE, badge_no TEXT, name TEXT NOT NULL,
    county_code TEXT, unit TEXT, level TEXT, residence_township TEXT, certified_sectors TEXT,
    phone TEXT, id_no TEXT, conflicts TEXT, {_PROV}
);
CREATE TABLE plan_task (
    id INTEGER PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE, task_code TEXT, title TEXT NOT NULL,
    clause TEXT, county_code TEXT, deadline TEXT, completed_on TEXT, status TEXT, responsible TEXT, {_PROV}
);
"""

M3 = """
CREATE TABLE sample_draw (
    id INTEGER PRIMARY KEY, level TEXT NOT NULL, scope TEXT NOT NULL, year INTEGER NOT NULL,
    seed TEXT NOT NULL, params_json TEXT NOT NULL, frame_size INTEGER NOT NULL, frame_sha256 TEXT NOT NULL,
    frame_json TEXT NOT NULL, quota INTEGER NOT NULL, result_json TEXT NOT NULL, previous_hash TEXT,
    hash TEXT NOT NULL, reason TEXT, supersedes INTEGER REFERENCES sample_draw(id), created_at TEXT NOT NULL
);
CREATE TRIGGER sample_draw_no_update BEFORE UPDATE ON sample_draw
BEGIN SELECT RAISE(ABORT, 'sample_draw is append-only'); END;
CREATE TRIGGER sample_draw_no_delete BEFORE DELETE ON sample_draw
BEGIN SELECT RAISE(ABORT, 'sample_draw is append-only'); END;
CREATE INDEX ix_enterprise_county ON enterprise(county_code);
CREATE INDEX ix_enterprise_name ON enterprise(name_norm);
CREATE INDEX ix_enterprise_org ON enterprise(org_code);
CREATE INDEX ix_es_sector ON enterprise_sector(sector, enterprise_id);
CREATE INDEX ix_screening_ent ON screening(enterprise_id, screened_on);
CREATE INDEX ix_hazard_ent ON hazard(enterprise_id);
CREATE INDEX ix_hazard_county ON hazard(county_code, is_major);
CREATE INDEX ix_hazard_status_h ON hazard_status(hazard_id);
CREATE INDEX ix_register_hno ON major_hazard_register(hazard_no);
CREATE INDEX ix_risk_ent ON major_risk(enterprise_id);
CREATE INDEX ix_inspection_ent ON inspection(enterprise_id, inspected_on);
CREATE INDEX ix_inspection_level ON inspection(level, inspected_on);
CREATE INDEX ix_penalty_county ON penalty(county_code, decided_on);
CREATE INDEX ix_above_scale_uscc ON above_scale_list(uscc);
"""

# Audits restrict the screened / inspected sets to the scope through the records' own county;
M4 = """
CREATE INDEX ix_screening_county ON screening(county_code, screened_on, enterprise_id);
CREATE INDEX ix_inspection_county ON inspection(county_code, level, inspected_on, enterprise_id);
-- set at import when a ledger moves a hazard from rectified back to open: the watch list of
-- 治反复 then needs no walk over the status history
ALTER TABLE hazard ADD COLUMN reopened_on TEXT;
-- the day an enterprise first came into the database, for reports of what changed
ALTER TABLE enterprise ADD COLUMN first_seen TEXT;
UPDATE enterprise SET first_seen = (SELECT substr(b.imported_at, 1, 10) FROM import_batch b WHERE b.id = enterprise.batch_id);
"""

RECORD_TABLES = ["screening", "hazard", "major_hazard_register", "major_risk", "inspection", "penalty",
                 "accident_stat", "above_scale_list", "inspector", "plan_task", "training"]


def m5(db: sqlite_utils.Database) -> None:
    """A hazard is its number within its enterprise (two townships may both number theirs
    2018-001): hazard_no is no longer unique, and a natural key names the hazard. Enterprises
    gain the 入库 flag. Every record's county points at the division table. Provenance keeps a
    ledger's file name, not the clerk's local path."""
    hazard = db["hazard"]
    db.execute("ALTER TABLE hazard ADD COLUMN natural_key TEXT")
    db.execute("ALTER TABLE hazard ADD COLUMN number TEXT")
    # until now an unnumbered hazard carried its hashed key (H-…) as its number
    db.execute("""UPDATE hazard SET
        number = CASE WHEN hazard_no LIKE 'H-%' THEN NULL ELSE hazard_no END,
        natural_key = CASE WHEN hazard_no LIKE 'H-%' THEN hazard_no
                      ELSE 'H:' || (SELECT e.natural_key FROM enterprise e WHERE e.id = hazard.enterprise_id)
                           || ':' || hazard_no END""")
    hazard.transform(drop={"hazard_no"}, not_null={"natural_key"},
                     add_foreign_keys=[("county_code", "jurisdiction", "code")])
    db.execute("ALTER TABLE hazard RENAME COLUMN number TO hazard_no")
    db.execute("CREATE UNIQUE INDEX ux_hazard_key ON hazard(natural_key)")
    db.execute("CREATE INDEX ix_hazard_no ON hazard(hazard_no)")
    db.execute("""UPDATE major_hazard_register SET natural_key = 'R:' ||
        COALESCE((SELECT e.natural_key FROM enterprise e WHERE e.id = major_hazard_register.enterprise_id), '')
        || ':' || hazard_no""")
    for table in RECORD_TABLES:
        if table != "hazard" and "county_code" in db[table].columns_dict:
            db[table].transform(add_foreign_keys=[("county_code", "jurisdiction", "code")])
    db["enterprise"].add_column("entered", int)
    db.execute("UPDATE import_batch SET path = file_name")


# The draw log keeps two kinds of entry: a plan (the frame and a commitment to the seed, made
# public before the draw) and a draw; a draw made from a plan names it.
M6 = """
ALTER TABLE sample_draw ADD COLUMN kind TEXT NOT NULL DEFAULT 'draw';
ALTER TABLE sample_draw ADD COLUMN commitment TEXT;
ALTER TABLE sample_draw ADD COLUMN plan_id INTEGER REFERENCES sample_draw(id);
CREATE INDEX ix_sample_batch ON sample_draw(level, scope, year, seed);
"""

def m7(db: sqlite_utils.Database) -> None:
    """一企一档 search: a full-text index of the enterprise's normalised name and codes with the
    trigram tokenizer (any three characters of a Chinese name find it; SQLite ≥ 3.34), keyed by
    enterprise id. It is brought up to date by `find` (store.find_sql.refresh_index), not by
    triggers: trigram triggers made an enterprise ledger's import 80% slower. And the one
    reference still without its foreign key."""
    db.execute("CREATE VIRTUAL TABLE enterprise_fts USING fts5(name_norm, uscc, org_code, tokenize='trigram')")
    db["jurisdiction"].transform(add_foreign_keys=[("parent_code", "jurisdiction", "code")])


# A risk number and a case number name a record within its enterprise (as a hazard number does
# since m5): two enterprises' WXY-901, two departments' 〔2018〕12号, are two records.
M8 = """
UPDATE major_risk SET natural_key = 'K:' ||
    (SELECT e.natural_key FROM enterprise e WHERE e.id = major_risk.enterprise_id) || ':' || risk_no
    WHERE risk_no IS NOT NULL AND natural_key = 'K:' || risk_no;
UPDATE penalty SET natural_key = 'P:' ||
    (SELECT e.natural_key FROM enterprise e WHERE e.id = penalty.enterprise_id) || ':' || substr(natural_key, 3)
    WHERE case_no IS NOT NULL;
"""

# 主要负责人安全培训记录 (the 2024—2026 plan's training action)
M9 = f"""
CREATE TABLE training (
    id INTEGER PRIMARY KEY, natural_key TEXT NOT NULL UNIQUE,
    enterprise_id INTEGER NOT NULL REFERENCES enterprise(id), county_code TEXT REFERENCES jurisdiction(code),
    person_name TEXT, role TEXT,
    trained_on TEXT NOT NULL, course TEXT, certificate_no TEXT, matched_by TEXT, {_PROV}
);
CREATE INDEX ix_training_county ON training(county_code, trained_on);
CREATE INDEX ix_training_ent ON training(enterprise_id, trained_on);
"""

MIGRATIONS: list = [M1, M2, M3, M4, m5, M6, m7, M8, M9]
LATEST = len(MIGRATIONS)
