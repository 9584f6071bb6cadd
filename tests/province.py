"""A small synthetic province built straight in SQLite: every county of 2018 with enterprises in
several sectors, screenings, hazards (some major, some registered), inspections at three
levels, penalties, major risks and accident statistics — the counties' own, two cities' own
totals and the province's own — for tests that look at every level at once."""

from __future__ import annotations

from pathlib import Path

from zjsafety.core import divisions
from zjsafety.store import connect

SECTORS = ["工矿商贸", "建设施工", "道路交通", "危险化学品", "消防"]


def counties(year: int = 2018) -> list[str]:
    return sorted(d.code for d in divisions.all_divisions().values() if d.level == "county" and d.in_force(year))


def build(path: Path, *, per_county: int = 12, skip: tuple[str, ...] = ()) -> Path:
    """`skip`: counties that send nothing (no enterprises, no records)."""
    conn = connect(path)
    c = conn.execute
    c("BEGIN")
    c("INSERT INTO import_batch(path, file_name, sha256, kind, imported_at, rows_read, inserted, updated, unchanged, "
      "rejected) VALUES ('省库.xlsx', '省库.xlsx', ?, 'enterprise', '2019-01-10T02:00:00+00:00', 0, 0, 0, 0, 0)",
      ("0" * 64,))
    ents, sectors, screenings, hazards, inspections, penalties, risks, stats = [], [], [], [], [], [], [], []
    eid = 0
    for n, county in enumerate(c for c in counties() if c not in skip):
        for k in range(per_county):
            eid += 1
            ents.append((eid, f"N:{county}:{k}", f"企业{county}-{k}", f"企业{county}-{k}", county, int(k % 4 == 0), eid))
            sectors.append((eid, SECTORS[k % 5]))
            if k % 3:
                screenings.append((f"S{eid}", eid, county, "2017-09-01", int(k % 5 == 1)))
            for j in range(2):
                major = int((k + j) % 6 == 0)
                hazards.append((f"H:{eid}:{j}", f"H{eid}-{j}", eid, county, SECTORS[k % 5], f"2018-0{1 + j}-10",
                                "隐患", f"类{j}", major, ["未整改", "已整改"][j], "2018-12-01", int(major and k % 2 == 0)))
            for lv, every in (("county", 3), ("city", 7), ("province", 11)):
                if k % every == 0:
                    inspections.append((f"I{eid}{lv}", eid, county, "2018-05-01", lv))
            for y in (2017, 2018):
                penalties.append((f"P{eid}{y}", eid, county, f"{y}-05-01", int((k + y) % 4 == 0)))
            if k % 5 == 2:
                risks.append((f"K{eid}", eid, county, "储罐", int(k % 2 == 0)))
        for y in (2016, 2017, 2018):
            stats.append((f"A{county}{y}", county, y, 40 - (y - 2016) * 6 + n % 3, 10 - (y - 2016), 300 + 20 * (y - 2016)))
    # own totals: the province's, and two cities' (Hangzhou's differs from its counties' sum)
    for unit, acc, deaths, gdp in (("330000", 3500, 900, 52000), ("330100", 500, 120, 13000), ("330200", 460, 110, 10000)):
        for y in (2016, 2017, 2018):
            stats.append((f"A{unit}{y}", unit, y, acc - (y - 2016) * acc // 10, deaths - (y - 2016) * deaths // 10,
                          gdp + (y - 2016) * 1000))
    conn.executemany("INSERT INTO enterprise(id, natural_key, name, name_norm, county_code, above_scale, status, "
                     "batch_id, src_row) VALUES (?,?,?,?,?,?,'在营',1,?)", ents)
    conn.executemany("INSERT INTO enterprise_sector(enterprise_id, sector) VALUES (?,?)", sectors)
    conn.executemany("INSERT INTO screening(natural_key, enterprise_id, county_code, screened_on, major_hazard_campaign, "
                     "batch_id) VALUES (?,?,?,?,?,1)", screenings)
    conn.executemany("INSERT INTO hazard(natural_key, hazard_no, enterprise_id, county_code, sector, found_on, description, "
                     "hazard_type, is_major, status, deadline, listed, batch_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,1)", hazards)
    conn.executemany("INSERT INTO major_hazard_register(natural_key, hazard_no, county_code, registered_on, batch_id) "
                     "SELECT 'R:' || ?, ?, ?, '2018-03-01', 1", [(h[1], h[1], h[3]) for h in hazards if h[8] and h[2] % 2])
    conn.executemany("INSERT INTO inspection(natural_key, enterprise_id, county_code, inspected_on, level, batch_id) "
                     "VALUES (?,?,?,?,?,1)", inspections)
    conn.executemany("INSERT INTO penalty(natural_key, enterprise_id, county_code, decided_on, accident_related, batch_id) "
                     "VALUES (?,?,?,?,?,1)", penalties)
    conn.executemany("INSERT INTO major_risk(natural_key, enterprise_id, county_code, risk_name, registered, batch_id) "
                     "VALUES (?,?,?,?,?,1)", risks)
    conn.executemany("INSERT INTO accident_stat(natural_key, county_code, year, accidents, deaths, gdp, batch_id) "
                     "VALUES (?,?,?,?,?,?,1)", stats)
    c("COMMIT")
    conn.close()
    return path
