"""SQL behind the audit rules. Every rule is one item-level query (one row per enterprise,
hazard, risk … that the figure counts) with the columns

    county  reporting county code          sector  sector or NULL
    item    the key listed when it misses   label   name or description, for people
    hit     1 when the item meets the rule  batch_id, src_row   where it came from

and the figures, the missing lists and the `explain` listings are all taken from it, so the
three cannot disagree. Counting is GROUP BY in SQLite, never a Python loop over rows.

Item queries are written against temp.scope_map; every function here takes the scope and
points them at its table (store.scope_sql), so no query depends on an earlier call.
"""

from __future__ import annotations

import json

import re

from zjsafety.store.scope_sql import bind, inline

# An enterprise counts in a period unless it closed before the period began. A closure with
# no date is taken as before: we cannot say it was open.
# The planner sometimes prefers to build an automatic index for each query (slow on a million
# enterprises or screenings) over the index that exists; INDEXED BY names the index to use
# (SQLite calls the first PRIMARY KEY index of a table sqlite_autoindex_<table>_1).
ALIVE = "(e.status IS NULL OR e.status != '关闭' OR (e.closed_on IS NOT NULL AND e.closed_on >= :start))"
ITEM_KEY = "COALESCE(e.uscc, e.natural_key)"
HAZARD_ITEM = "COALESCE(h.hazard_no, h.natural_key)"  # the ledger's number, else the hazard's key


# ---------------------------------------------------------------- item queries per rule type

def screening_coverage_sql() -> str:
    # one probe of (enterprise, date) per enterprise: cheaper than building the screened set
    return f"""
        SELECT sm.county AS county, es.sector AS sector, {ITEM_KEY} AS item, e.name AS label,
               EXISTS (SELECT 1 FROM screening s INDEXED BY ix_screening_ent WHERE s.enterprise_id = e.id
                       AND s.screened_on BETWEEN :start AND :end) AS hit, e.batch_id AS batch_id, e.src_row AS src_row
        FROM temp.scope_map sm
        CROSS JOIN enterprise e ON e.county_code = sm.code
        CROSS JOIN enterprise_sector es INDEXED BY sqlite_autoindex_enterprise_sector_1 ON es.enterprise_id = e.id
        WHERE es.sector IN (SELECT value FROM json_each(:sectors)) AND {ALIVE}"""


_FIELD_CHECK = {
    "uscc": "e.uscc IS NOT NULL",
    "county_code": "e.county_code IS NOT NULL",
    "township": "e.township IS NOT NULL",
    "address": "e.address IS NOT NULL",
    "industry_code": "e.industry_code IS NOT NULL",
    "contact": "e.contact IS NOT NULL",
    "sector": "EXISTS (SELECT 1 FROM enterprise_sector x WHERE x.enterprise_id = e.id)",
}


def _entered_check(entered: bool, required_fields: list[str]) -> str:
    """When an enterprise counts as entered: by the ledger's 入库 flag when the scope has one,
    else by its basic information being complete."""
    if entered:
        return "e.entered = 1"
    return " AND ".join(_FIELD_CHECK[f] for f in required_fields) or "1"


def above_scale_flag_sql(entered: bool, required_fields: list[str]) -> str:
    return f"""
        SELECT sm.county AS county, NULL AS sector, {ITEM_KEY} AS item, e.name AS label,
               ({_entered_check(entered, required_fields)}) AS hit, e.batch_id AS batch_id, e.src_row AS src_row
        FROM temp.scope_map sm CROSS JOIN enterprise e ON e.county_code = sm.code
        WHERE e.above_scale = 1 AND {ALIVE}"""


def above_scale_list_sql(entered: bool, required_fields: list[str]) -> str:
    """The statistics bureau's list against the enterprise database: an entry counts when an
    enterprise with its USCC (or, lacking one, its exact name) is in the database and entered."""
    check = _entered_check(entered, required_fields)
    return f"""
        SELECT sm.county AS county, NULL AS sector, COALESCE(l.uscc, l.name) AS item, l.name AS label,
               (e.id IS NOT NULL AND ({check})) AS hit, l.batch_id AS batch_id, l.src_row AS src_row
        FROM above_scale_list l
        LEFT JOIN enterprise e ON e.id = COALESCE(
            (SELECT x.id FROM enterprise x WHERE l.uscc IS NOT NULL AND x.uscc = l.uscc),
            (SELECT x.id FROM enterprise x WHERE l.uscc IS NULL AND x.name_norm = l.name_norm LIMIT 1))
        JOIN temp.scope_map sm ON sm.code = COALESCE(l.county_code, e.county_code)
        WHERE l.list_year IS NULL OR l.list_year = :list_year"""


def above_scale_unplaced(conn, list_year: int | None) -> list[str]:
    """List entries that belong to no county: none given, and no enterprise in the database to
    take one from. They cannot be counted anywhere, so no figure of the list can pass."""
    return [r[0] for r in conn.execute("""
        SELECT COALESCE(l.uscc, l.name) FROM above_scale_list l
        WHERE (l.list_year IS NULL OR l.list_year = :y) AND l.county_code IS NULL
          AND NOT EXISTS (SELECT 1 FROM enterprise e WHERE (l.uscc IS NOT NULL AND e.uscc = l.uscc)
                          OR (l.uscc IS NULL AND e.name_norm = l.name_norm))
        ORDER BY 1""", {"y": list_year})]


def has_entered_flag(conn, scope) -> bool:
    """Does any enterprise of the scope carry the 入库 flag (a ledger had the column)?"""
    return conn.execute(bind(conn, scope, """
        SELECT EXISTS (SELECT 1 FROM temp.scope_map sm CROSS JOIN enterprise e ON e.county_code = sm.code
                       WHERE e.entered IS NOT NULL)""")).fetchone()[0] == 1


def above_scale_extra(conn, scope, list_year: int | None) -> list[str]:
    """Enterprises flagged 规上 in the ledger but absent from the list."""
    return [r[0] for r in conn.execute(bind(conn, scope, f"""
        SELECT {ITEM_KEY} FROM temp.scope_map sm CROSS JOIN enterprise e ON e.county_code = sm.code
        WHERE e.above_scale = 1
          AND NOT EXISTS (SELECT 1 FROM above_scale_list l WHERE (l.list_year IS NULL OR l.list_year = :y)
                          AND (l.uscc = e.uscc OR (l.uscc IS NULL AND l.name_norm = e.name_norm)))
        ORDER BY 1"""), {"y": list_year})]


def above_scale_duplicates(conn, list_year: int | None) -> list[str]:
    """Names the list gives under more than one code (exact repeats are refused at import)."""
    return [r[0] for r in conn.execute("""
        SELECT MIN(l.name) FROM above_scale_list l
        WHERE l.list_year IS NULL OR l.list_year = :y
        GROUP BY l.name_norm HAVING COUNT(DISTINCT COALESCE(l.uscc, '')) > 1 ORDER BY 1""", {"y": list_year})]


def latest_list_year(conn, year: int) -> int | None:
    r = conn.execute("SELECT MAX(list_year) FROM above_scale_list WHERE list_year <= ?", (year,)).fetchone()
    return r[0]


def has_above_scale_list(conn) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM above_scale_list)").fetchone()[0] == 1


def major_hazard_registration_sql() -> str:
    """A major hazard is registered when the register lists its number (for its enterprise,
    when the register names one)."""
    return f"""
        SELECT sm.county AS county, COALESCE(h.sector, '未注明') AS sector, {HAZARD_ITEM} AS item,
               h.description AS label,
               EXISTS (SELECT 1 FROM major_hazard_register r WHERE r.hazard_no = h.hazard_no
                       AND (r.enterprise_id IS NULL OR r.enterprise_id = h.enterprise_id)
                       AND (r.registered_on IS NULL OR r.registered_on <= :end)) AS hit,
               h.batch_id AS batch_id, h.src_row AS src_row
        FROM temp.scope_map sm CROSS JOIN hazard h ON h.county_code = sm.code
        WHERE h.is_major = 1 AND h.found_on BETWEEN :start AND :end"""


def major_risk_registration_sql() -> str:
    return """
        SELECT sm.county AS county, r.sector AS sector, COALESCE(r.risk_no, r.natural_key) AS item,
               r.risk_name AS label,
               (r.registered = 1 AND (r.registered_on IS NULL OR r.registered_on <= :end)) AS hit,
               r.batch_id AS batch_id, r.src_row AS src_row
        FROM temp.scope_map sm CROSS JOIN major_risk r ON r.county_code = sm.code
        WHERE r.identified_on IS NULL OR r.identified_on <= :end"""


def supervision_sql(by_sector: bool) -> str:
    sector_join = "CROSS JOIN enterprise_sector es INDEXED BY sqlite_autoindex_enterprise_sector_1 ON es.enterprise_id = e.id" if by_sector else ""
    return f"""
        SELECT sm.county AS county, {"es.sector" if by_sector else "NULL"} AS sector, {ITEM_KEY} AS item,
               e.name AS label, (done.enterprise_id IS NOT NULL) AS hit,
               e.batch_id AS batch_id, e.src_row AS src_row
        FROM temp.scope_map sm CROSS JOIN enterprise e ON e.county_code = sm.code {sector_join}
        LEFT JOIN (SELECT DISTINCT i.enterprise_id FROM temp.scope_map sm2
                   CROSS JOIN inspection i INDEXED BY ix_inspection_county ON i.county_code = sm2.code
                   WHERE i.level = :level AND i.inspected_on BETWEEN :start AND :end) done ON done.enterprise_id = e.id
        WHERE {ALIVE}"""


def supervision_figures(conn, scope, start: str, end: str, levels: list[str],
                        limit: int | None = None) -> dict[str, list[tuple]]:
    """Figures of every inspection level at once: which enterprises were inspected at county,
    city and province level is worked out in one grouped pass over the scope's inspections (a
    temporary table keyed by enterprise), then each level counts the enterprises open in the
    period against it (the province level per sector)."""
    conn.execute("DROP TABLE IF EXISTS temp.inspected")
    conn.execute("CREATE TEMP TABLE inspected (enterprise_id INTEGER PRIMARY KEY, county INT, city INT, province INT)")
    conn.execute(bind(conn, scope, """
        INSERT INTO temp.inspected
        SELECT i.enterprise_id, MAX(i.level = 'county'), MAX(i.level = 'city'), MAX(i.level = 'province')
        FROM temp.scope_map sm CROSS JOIN inspection i INDEXED BY ix_inspection_county ON i.county_code = sm.code
        WHERE i.inspected_on BETWEEN :start AND :end GROUP BY i.enterprise_id"""), {"start": start, "end": end})
    try:
        return {lv: figures(conn, scope, _supervision_level_sql(lv), {"start": start}, by_sector=lv == "province",
                            limit=limit) for lv in levels}
    finally:
        conn.execute("DROP TABLE IF EXISTS temp.inspected")


def _supervision_level_sql(level: str) -> str:
    """Item query of one level over temp.inspected; the province level counts per sector."""
    assert level in ("county", "city", "province")
    sector = ("CROSS JOIN enterprise_sector es INDEXED BY sqlite_autoindex_enterprise_sector_1 ON es.enterprise_id = e.id"
              if level == "province" else "")
    return f"""
        SELECT sm.county AS county, {"es.sector" if level == "province" else "NULL"} AS sector, {ITEM_KEY} AS item,
               e.name AS label, COALESCE(d.{level}, 0) AS hit, e.batch_id AS batch_id, e.src_row AS src_row
        FROM temp.scope_map sm CROSS JOIN enterprise e ON e.county_code = sm.code {sector}
        LEFT JOIN temp.inspected d ON d.enterprise_id = e.id
        WHERE {ALIVE}"""


def penalty_sql() -> str:
    """Penalties decided in the period whose kind is known; hit = not arising from an accident."""
    return """
        SELECT sm.county AS county, NULL AS sector, COALESCE(p.case_no, p.natural_key) AS item,
               p.violation AS label, (p.accident_related = 0) AS hit, p.batch_id AS batch_id,
               p.src_row AS src_row
        FROM temp.scope_map sm CROSS JOIN penalty p ON p.county_code = sm.code
        WHERE p.decided_on BETWEEN :start AND :end AND p.accident_related IS NOT NULL"""


def annual_major_hazard_screening_sql() -> str:
    """One item per county × sector that has enterprises; hit when a major-hazard screening
    (专项排查) of that sector took place in the county in the year."""
    return """
        WITH present AS (
            SELECT DISTINCT sm.county AS county, es.sector AS sector
            FROM temp.scope_map sm CROSS JOIN enterprise e ON e.county_code = sm.code
            JOIN enterprise_sector es ON es.enterprise_id = e.id
            WHERE (e.status IS NULL OR e.status != '关闭' OR e.closed_on >= :start)
        ), done AS (
            SELECT DISTINCT sm.county AS county, COALESCE(s.sector, es.sector) AS sector
            FROM temp.scope_map sm CROSS JOIN enterprise e ON e.county_code = sm.code
            JOIN screening s ON s.enterprise_id = e.id
            LEFT JOIN enterprise_sector es ON s.sector IS NULL AND es.enterprise_id = e.id
            WHERE s.major_hazard_campaign = 1 AND s.screened_on BETWEEN :start AND :end
        )
        SELECT p.county AS county, NULL AS sector, p.sector AS item, p.sector AS label,
               EXISTS (SELECT 1 FROM done d WHERE d.county = p.county AND d.sector = p.sector) AS hit,
               NULL AS batch_id, NULL AS src_row
        FROM present p"""


def listed_supervision_sql() -> str:
    return f"""
        SELECT sm.county AS county, h.sector AS sector, {HAZARD_ITEM} AS item, h.description AS label,
               (h.listed = 1 AND (h.listed_on IS NULL OR h.listed_on <= :end)) AS hit, h.batch_id AS batch_id,
               h.src_row AS src_row
        FROM temp.scope_map sm CROSS JOIN hazard h ON h.county_code = sm.code
        WHERE h.is_major = 1 AND h.found_on BETWEEN :start AND :end"""


# A hazard closed by :end, as of that date: by the dates the ledgers give (rectified or closed on
# or before it); a hazard with neither date by its status then, from the status history (the
# latest change recorded by :end, else the state before the first change), else its status now.
# A rectification dated after :end leaves it open as of :end, whatever it is today.
CLOSED_BY_END = """
    (h.rectified_on IS NOT NULL AND h.rectified_on <= :end) OR (h.closed_on IS NOT NULL AND h.closed_on <= :end)
    OR (h.rectified_on IS NULL AND h.closed_on IS NULL AND COALESCE(
          (SELECT s.status FROM hazard_status s WHERE s.hazard_id = h.id AND s.recorded_at <= :end
           ORDER BY s.recorded_at DESC, s.id DESC LIMIT 1),
          (SELECT s.status FROM hazard_status s WHERE s.hazard_id = h.id ORDER BY s.id LIMIT 1),
          h.status) IN ('已整改', '已销号'))"""


def overdue_major_hazards(conn, scope, start: str, end: str) -> dict[str, list[str]]:
    """county -> major hazards whose rectification deadline passed by `end` with the hazard
    still open as of `end` (CLOSED_BY_END), by deadline (one pass for every county of the scope)."""
    out: dict[str, list[str]] = {}
    for county, item in conn.execute(bind(conn, scope, f"""
        SELECT sm.county, COALESCE(h.hazard_no, e.name || '：' || h.description)
        FROM temp.scope_map sm CROSS JOIN hazard h ON h.county_code = sm.code JOIN enterprise e ON e.id = h.enterprise_id
        WHERE h.is_major = 1 AND h.found_on BETWEEN :start AND :end AND h.deadline < :end
          AND NOT ({CLOSED_BY_END})
        ORDER BY sm.county, h.deadline, COALESCE(h.hazard_no, h.natural_key)"""), {"start": start, "end": end}):
        out.setdefault(county, []).append(item)
    return out


def _major_items(label: str, hit: str, where: str) -> str:
    """Item query over the scope's major hazards, each named by its ledger number (else
    （无编号）) and labelled with its enterprise (the three rules of major hazards share it)."""
    return f"""
        SELECT sm.county AS county, h.sector AS sector, COALESCE(h.hazard_no, '（无编号）') AS item,
               {label} AS label, {hit} AS hit, h.batch_id AS batch_id, h.src_row AS src_row
        FROM temp.scope_map sm CROSS JOIN hazard h ON h.county_code = sm.code JOIN enterprise e ON e.id = h.enterprise_id
        WHERE h.is_major = 1 AND {where}"""


_FOUND_LABEL = "e.name || '：' || h.description || '（发现于 ' || h.found_on || '）'"


def overdue_sql() -> str:
    """Major hazards found in the window whose deadline passed by :end; hit = closed by :end
    (CLOSED_BY_END). Named by their ledger number, else enterprise and description."""
    return _major_items("'超期未整改：' || e.name || '，' || h.description || '（整改期限 ' || h.deadline || '）'",
                        f"({CLOSED_BY_END})", "h.found_on BETWEEN :start AND :end AND h.deadline < :end")


def hazard_stock_sql() -> str:
    """The stock of major hazards (治本攻坚 存量): found on or before :stock_end and still open
    then, as the ledgers' dates say; hit = closed by :end (the as-of date)."""
    open_then = CLOSED_BY_END.replace(":end", ":stock_end")
    return _major_items(_FOUND_LABEL, f"({CLOSED_BY_END})", f"h.found_on <= :stock_end AND NOT ({open_then})")


def major_found_sql() -> str:
    """Major hazards found in [:start, :end] (listed by `explain` of the increment rule)."""
    return _major_items(_FOUND_LABEL, "0", "h.found_on BETWEEN :start AND :end")


def major_found_counts(conn, scope, start: str, end: str, pstart: str, pend: str) -> list[tuple]:
    """(county, sector, found in [start, end], found in [pstart, pend]) of major hazards."""
    return [tuple(r) for r in conn.execute(bind(conn, scope, """
        SELECT sm.county, h.sector, SUM(h.found_on BETWEEN :start AND :end), SUM(h.found_on BETWEEN :pstart AND :pend)
        FROM temp.scope_map sm CROSS JOIN hazard h ON h.county_code = sm.code
        WHERE h.is_major = 1 AND (h.found_on BETWEEN :start AND :end OR h.found_on BETWEEN :pstart AND :pend)
        GROUP BY sm.county, h.sector ORDER BY sm.county, h.sector"""),
        {"start": start, "end": end, "pstart": pstart, "pend": pend})]


def principal_training_sql() -> str:
    """Enterprises of the scope whose national-economy industry code starts with one of
    :prefixes (a letter before it ignored); hit = a training of a principal person in charge
    (role unknown, or containing one of :roles) dated in [:start, :end]."""
    return f"""
        SELECT sm.county AS county, NULL AS sector, {ITEM_KEY} AS item,
               e.name || '（行业代码 ' || e.industry_code || '）' AS label,
               EXISTS (SELECT 1 FROM training t WHERE t.enterprise_id = e.id AND t.trained_on BETWEEN :start AND :end
                       AND (t.role IS NULL OR EXISTS (SELECT 1 FROM json_each(:roles) r
                                                      WHERE instr(t.role, r.value) > 0))) AS hit,
               e.batch_id AS batch_id, e.src_row AS src_row
        FROM temp.scope_map sm CROSS JOIN enterprise e ON e.county_code = sm.code
        WHERE {ALIVE} AND e.industry_code IS NOT NULL
          AND EXISTS (SELECT 1 FROM json_each(:prefixes) p
                      WHERE ltrim(e.industry_code, 'ABCDEFGHIJKLMNOPQRST') LIKE p.value || '%')"""


def dual_report_sql() -> str:
    return f"""
        SELECT sm.county AS county, h.sector AS sector, {HAZARD_ITEM} AS item, h.description AS label,
               (h.report_dept = 1 AND h.report_workers = 1) AS hit, h.batch_id AS batch_id,
               h.src_row AS src_row
        FROM temp.scope_map sm CROSS JOIN hazard h ON h.county_code = sm.code
        CROSS JOIN enterprise e ON e.id = h.enterprise_id
        WHERE h.is_major = 1 AND e.above_scale = 1 AND h.found_on BETWEEN :start AND :end"""


def risk_grid_sql() -> str:
    return """
        SELECT sm.county AS county, r.sector AS sector, COALESCE(r.risk_no, r.natural_key) AS item,
               r.risk_name AS label,
               (r.grid IS NOT NULL AND (r.responsible_gov IS NOT NULL OR r.responsible_dept IS NOT NULL)) AS hit,
               r.batch_id AS batch_id, r.src_row AS src_row
        FROM temp.scope_map sm CROSS JOIN major_risk r ON r.county_code = sm.code
        WHERE r.identified_on IS NULL OR r.identified_on <= :end"""


def repeat_hazards_sql() -> str:
    """Enterprises with hazards in the window; hit = NOT on the watch list. On the list: a hazard
    of the same kind (type, else description) found after another of that kind was rectified
    (within one enterprise and kind: the latest finding is later than the earliest
    rectification), or a hazard a later ledger moved from rectified back to open (reopened_on,
    set at import). One grouped pass over the scope's hazards."""
    return f"""
        WITH kinds AS (
            SELECT h.enterprise_id,
                   COALESCE(MAX(h.found_on) > MIN(CASE WHEN h.status IN ('已整改', '已销号')
                                                   AND COALESCE(h.closed_on, h.rectified_on) <= :end
                                                   THEN COALESCE(h.closed_on, h.rectified_on) END), 0)
                   OR COALESCE(MAX(h.reopened_on <= :end), 0) AS again
            FROM temp.scope_map sm CROSS JOIN hazard h ON h.county_code = sm.code
            WHERE h.found_on BETWEEN :start AND :end
            GROUP BY h.enterprise_id, COALESCE(h.hazard_type, h.description)
        ), per AS (
            SELECT enterprise_id, MAX(again) AS again FROM kinds GROUP BY enterprise_id
        )
        SELECT sm.county AS county, NULL AS sector, {ITEM_KEY} AS item, e.name AS label,
               NOT COALESCE(per.again, 0) AS hit, e.batch_id AS batch_id, e.src_row AS src_row,
               e.id AS enterprise_id
        FROM per CROSS JOIN enterprise e ON e.id = per.enterprise_id
        JOIN temp.scope_map sm ON sm.code = e.county_code"""


# ---------------------------------------------------------------- generic over an item query

def aggregate(conn, scope, item_sql: str, params: dict, *, by_sector: bool) -> list[tuple]:
    """(county, sector, denominator, numerator) per group (counts only)."""
    item_sql = bind(conn, scope, item_sql)
    group = "county, sector" if by_sector else "county"
    return [tuple(r) for r in conn.execute(f"""
        SELECT county, {"sector" if by_sector else "NULL"} AS sector, COUNT(*) AS den, COALESCE(SUM(hit), 0) AS num
        FROM ({item_sql}) GROUP BY {group} ORDER BY {group}""", params)]


def figures(conn, scope, item_sql: str, params: dict, *, by_sector: bool, limit: int | None = None) -> list[tuple]:
    """(county, sector, denominator, numerator, sorted keys of the items that miss) per group,
    in one pass over the item query; with `limit`, only the first keys of each group are kept
    (groups are read one at a time, so a province's millions of keys are never held at once).
    An item whose hit is unknown (NULL) counts as missing."""
    item_sql = bind(conn, scope, item_sql)
    group = "county, sector" if by_sector else "county"  # by county alone: read in order, no sort
    cur = conn.execute(f"""
        SELECT county, {"sector" if by_sector else "NULL"} AS sector, COUNT(*) AS den, COALESCE(SUM(hit), 0) AS num,
               group_concat(CASE WHEN hit THEN NULL ELSE item END, char(31)) AS miss
        FROM ({item_sql}) GROUP BY {group} ORDER BY {group}""", params)
    out = []
    for c, sec, den, num, miss in cur:
        keys = sorted(miss.split("\x1f")) if miss else []
        out.append((c, sec, den, num, keys if limit is None else keys[:limit]))
    return out


def explain_items(conn, scope, item_sql: str, params: dict, *, county: str | None, sector: str | None,
                  only_missing: bool = True) -> list[dict]:
    """The items behind a figure, with the file and row each came from."""
    item_sql = bind(conn, scope, item_sql)
    return [dict(r) for r in conn.execute(f"""
        SELECT q.county, q.sector, q.item, q.label, q.hit, b.file_name AS file, b.sheet AS sheet, q.src_row AS row
        FROM ({item_sql}) q LEFT JOIN import_batch b ON b.id = q.batch_id
        WHERE (:x_county IS NULL OR q.county = :x_county) AND (:x_sector IS NULL OR q.sector = :x_sector)
          AND (NOT :x_only OR NOT COALESCE(q.hit, 0))
        ORDER BY q.county, q.sector, q.item""",
        {**params, "x_county": county, "x_sector": sector, "x_only": int(only_missing)})]


def count_in_scope(conn, scope, table: str) -> int:
    """1 when the scope holds any row of a record table, else 0: zero means the rule's data is
    absent. (An existence test, not a count: it stops at the first row.)"""
    return count_in_period(conn, scope, table, None, None)


def column_filled(conn, scope, table: str, columns: tuple[str, ...]) -> bool:
    """Whether any row of the table in the scope holds a value in every one of the columns (a
    ledger that never had the column leaves them all empty)."""
    cond = " AND ".join(f't."{c}" IS NOT NULL' for c in columns)
    sql = bind(conn, scope, f"""SELECT 1 FROM temp.scope_map sm CROSS JOIN "{table}" t ON t.county_code = sm.code
                                WHERE {cond} LIMIT 1""")
    return conn.execute(sql).fetchone() is not None


_DATE_COL = {"inspection": "inspected_on", "penalty": "decided_on", "screening": "screened_on", "hazard": "found_on",
             "training": "trained_on",
             "major_risk": None, "accident_stat": None, "above_scale_list": None, "plan_task": None,
             "major_hazard_register": None, "enterprise": None}


def count_in_period(conn, scope, table: str, start: str | None, end: str | None) -> int:
    """1 when the scope holds a row of the table dated inside [start, end] (any row if no dates)."""
    col = _DATE_COL[table]  # also the whitelist of tables
    when = f" AND t.{col} BETWEEN :start AND :end" if col and start else ""
    if table == "screening":
        sql = (f"SELECT EXISTS (SELECT 1 FROM temp.scope_map sm CROSS JOIN enterprise e ON e.county_code = sm.code "
               f"JOIN screening t ON t.enterprise_id = e.id WHERE 1{when})")
    else:
        sql = (f"SELECT EXISTS (SELECT 1 FROM temp.scope_map sm CROSS JOIN {table} t ON t.county_code = sm.code "
               f"WHERE 1{when})")
    return conn.execute(bind(conn, scope, sql), {"start": start, "end": end}).fetchone()[0]


_COUNTY_INDEXED = {"enterprise", "screening", "hazard", "inspection", "penalty"}


def reporting_units(conn, scope, table: str, start: str | None, end: str | None) -> set[str]:
    """The scope's reporting units (county codes as the scope map gives them) holding rows of the
    table, dated inside [start, end] when given: a probe of the county index per code where the
    table has one, else one pass over the (small) table."""
    col = _DATE_COL[table]  # also the whitelist of tables
    when = f" AND t.{col} BETWEEN :start AND :end" if col and start else ""
    if table in _COUNTY_INDEXED:
        sql = (f"SELECT DISTINCT sm.county FROM temp.scope_map sm WHERE EXISTS "
               f"(SELECT 1 FROM {table} t WHERE t.county_code = sm.code{when})")
    else:
        sql = (f"SELECT DISTINCT sm.county FROM (SELECT DISTINCT t.county_code AS code FROM {table} t WHERE 1{when}) x "
               f"JOIN temp.scope_map sm ON sm.code = x.code")
    return {r[0] for r in conn.execute(bind(conn, scope, sql), {"start": start, "end": end})}


def accident_totals(conn, scope, years: list[int]) -> dict[tuple[str, int], tuple]:
    """(county, year) -> (accidents, deaths, gdp) summed over the scope's rows."""
    q = ",".join("?" * len(years))
    return {(r[0], r[1]): tuple(r[2:]) for r in conn.execute(bind(conn, scope, f"""
        SELECT sm.county, a.year, SUM(a.accidents), SUM(a.deaths), SUM(a.gdp)
        FROM accident_stat a JOIN temp.scope_map sm ON sm.code = a.county_code
        WHERE a.year IN ({q}) GROUP BY sm.county, a.year"""), years)}


def plan_tasks(conn, scope) -> list[dict]:
    """Task progress rows in scope, and those with no county (they apply to whoever imported them)."""
    return [dict(r) for r in conn.execute(bind(conn, scope, """
        SELECT t.task_code, t.title, t.clause, t.deadline, t.completed_on, t.status,
               COALESCE(sm.county, t.county_code) AS county, b.file_name AS file, t.src_row AS row
        FROM plan_task t LEFT JOIN temp.scope_map sm ON sm.code = t.county_code
        LEFT JOIN import_batch b ON b.id = t.batch_id
        WHERE t.county_code IS NULL OR sm.county IS NOT NULL"""))]


def sectors_json(sectors: list[str]) -> str:
    return json.dumps(list(sectors), ensure_ascii=False)


def _literal(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, (int, float)):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


def missing_items_query(scope, item_sql: str, params: dict) -> str:
    """The items of an item query that miss, with the ledger and row each came from, as SQL that
    stands alone (scope and parameters written in): a canned query for Datasette."""
    sql = re.sub(r":(\w+)", lambda m: _literal(params[m.group(1)]), inline(scope, item_sql))
    return f"""SELECT q.county AS 县市区代码, q.sector AS 行业领域, q.item AS 编号, q.label AS 名称,
       b.file_name AS 来源文件, q.src_row AS 行
FROM ({sql}) q LEFT JOIN import_batch b ON b.id = q.batch_id
WHERE NOT COALESCE(q.hit, 0) ORDER BY 1, 2, 3"""
