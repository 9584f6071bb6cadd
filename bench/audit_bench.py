"""Audit benchmark: a province-sized database (1M enterprises, 5M hazards by default), built
directly in SQLite, then `zjsafety audit` timed for the province and for one county, each as
its own process.

The rows of a county lie together, as in a real province database: each county imports its
own ledgers, and `zjsafety merge` copies county databases one after another.

    python bench/audit_bench.py                       # 1M enterprises, 5M hazards
    python bench/audit_bench.py --enterprises 200000 --hazards 1000000

The database is cached in bench/out/ (delete it to rebuild).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def build(db: Path, n_ent: int, n_haz: int) -> None:
    from zjsafety.core import divisions
    from zjsafety.store import connect
    counties = [d.code for d in divisions.all_divisions().values() if d.level == "county" and d.current]
    conn = connect(db)
    c = conn.execute
    t0 = time.perf_counter()
    c("BEGIN")
    c("CREATE TEMP TABLE cty(i INTEGER PRIMARY KEY, code TEXT)")
    conn.executemany("INSERT INTO cty VALUES (?, ?)", list(enumerate(counties)))
    c("CREATE TEMP TABLE sec(i INTEGER PRIMARY KEY, name TEXT)")
    conn.executemany("INSERT INTO sec VALUES (?, ?)", list(enumerate(
        ["工矿商贸", "工矿商贸", "工矿商贸", "建设施工", "道路交通", "渔业船舶", "危险化学品", "消防", "特种设备", "城市运行"])))
    c("INSERT INTO import_batch(path, file_name, sha256, kind, imported_at, rows_read, inserted, updated, unchanged, "
      "rejected) VALUES ('bench', 'bench', '0', 'enterprise', '2019-01-01', 0, 0, 0, 0, 0)")
    c(f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n_ent})
        INSERT INTO enterprise(id, natural_key, uscc, name, name_norm, county_code, township, above_scale, status,
                               closed_on, batch_id, src_row)
        SELECT i, 'U:B' || i, 'B' || printf('%017d', i), '企业' || i, '企业' || i,
               (SELECT code FROM cty WHERE cty.i = (n.i - 1) * {len(counties)} / {n_ent}), '镇' || (i % 17),
               (i % 5 = 0), CASE WHEN i % 50 = 0 THEN '关闭' ELSE '在营' END,
               CASE WHEN i % 50 = 0 THEN '2018-0' || (1 + i % 9) || '-01' END, 1, i + 1 FROM n""")
    c("""INSERT INTO enterprise_sector(enterprise_id, sector)
        SELECT id, (SELECT name FROM sec WHERE sec.i = enterprise.id % 10) FROM enterprise""")
    c("""INSERT OR IGNORE INTO enterprise_sector(enterprise_id, sector)
        SELECT id, '危险化学品' FROM enterprise WHERE id % 7 = 0""")
    c("""INSERT INTO screening(natural_key, enterprise_id, county_code, screened_on, major_hazard_campaign, batch_id)
        SELECT 'S' || id, id, county_code, '2017-' || printf('%02d', 7 + id % 6) || '-15', (id % 11 = 0), 1
        FROM enterprise WHERE id % 9 != 0""")
    c(f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n_haz})
        INSERT INTO hazard(natural_key, hazard_no, enterprise_id, county_code, sector, found_on, description, hazard_type,
                           is_major, status, deadline, rectified_on, listed, report_dept, report_workers, batch_id,
                           src_row)
        SELECT 'H:U:B' || e || ':H' || i, 'H' || i, e, (SELECT county_code FROM enterprise WHERE id = e), NULL,
               '201' || (7 + i % 3) || '-' || printf('%02d', 1 + i % 12) || '-' || printf('%02d', 1 + i % 28),
               '隐患' || (i % 40), '类' || (i % 12), (i % 33 = 0),
               CASE i % 4 WHEN 0 THEN '未整改' WHEN 1 THEN '整改中' ELSE '已整改' END,
               '2019-06-30', CASE WHEN i % 4 > 1 THEN '2019-01-01' END, (i % 66 = 0), (i % 2), (i % 3 > 0), 1, i
        FROM (SELECT i, 1 + ((i - 1) * {n_ent} / {n_haz} + (i * 7919) % 97) % {n_ent} AS e FROM n)""")
    c("""INSERT INTO major_hazard_register(natural_key, hazard_no, registered_on, county_code)
        SELECT 'R:' || hazard_no, hazard_no, found_on, county_code FROM hazard WHERE is_major = 1 AND id % 5 != 0""")
    c("""INSERT INTO hazard_status(hazard_id, status, recorded_at, batch_id)
        SELECT id, status, found_on, 1 FROM hazard""")
    c("""INSERT INTO inspection(natural_key, enterprise_id, county_code, inspected_on, level, batch_id)
        SELECT 'I' || id || lv, id, county_code, '2018-0' || (1 + id % 9) || '-10', lv, 1
        FROM enterprise, (SELECT 'county' AS lv UNION ALL SELECT 'city' UNION ALL SELECT 'province')
        WHERE (lv = 'county' AND id % 3 = 0) OR (lv = 'city' AND id % 9 = 0) OR (lv = 'province' AND id % 19 = 0)""")
    c("""INSERT INTO penalty(natural_key, enterprise_id, county_code, decided_on, accident_related, batch_id)
        SELECT 'P' || id || y, id, county_code, y || '-05-01', (id % 4 = 0), 1
        FROM enterprise, (SELECT 2017 AS y UNION ALL SELECT 2018) WHERE id % 10 = 0""")
    c("""INSERT INTO major_risk(natural_key, enterprise_id, county_code, risk_name, registered, grid, batch_id)
        SELECT 'K' || id, id, county_code, '危险源' || id, (id % 10 != 0), CASE WHEN id % 4 THEN '网格' END, 1
        FROM enterprise WHERE id % 50 = 7""")
    c("""INSERT INTO accident_stat(natural_key, county_code, year, accidents, deaths, gdp, batch_id)
        SELECT 'A' || code || y, code, y, 100 - (y - 2016) * 9 + i % 7, 30 - (y - 2016) * 3, 500 + (y - 2016) * 40, 1
        FROM cty, (SELECT 2016 AS y UNION ALL SELECT 2017 UNION ALL SELECT 2018)""")
    c("COMMIT")
    c("ANALYZE")
    print(f"built {db.name}: {n_ent:,} enterprises, {n_haz:,} hazards in {time.perf_counter() - t0:.0f} s")
    conn.close()


def timed(cmd: list[str]) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    if rc not in (0, 1):
        raise SystemExit(err.decode("utf-8", "replace"))
    return time.perf_counter() - t0, ru.ru_maxrss / 1024, rc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--enterprises", type=int, default=1_000_000)
    ap.add_argument("--hazards", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    db = OUT / f"province_{args.enterprises}_{args.hazards}_v3.db"
    if not db.exists():
        build(db, args.enterprises, args.hazards)
    exe = [sys.executable, "-m", "zjsafety", "--db", str(db), "audit", "--as-of", "2018-12-31", "--json"]
    timed(exe + ["--scope", "330106"])  # warm-up: upgrades the cached database's schema if needed
    for label, scope in (("province 330000", "330000"), ("city 3301", "3301"), ("county 330106", "330106")):
        times = []
        for _ in range(args.runs):
            wall, rss, rc = timed(exe + ["--scope", scope])
            times.append(wall)
        times.sort()
        print(f"{label:16} median {times[len(times) // 2]:7.2f} s  (min {times[0]:.2f}, max {times[-1]:.2f}), "
              f"peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
