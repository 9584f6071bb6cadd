"""A county database of realistic size built straight in SQLite (an import of the same would
take a while), for tests of outputs that must stay whole when written from large data."""

from __future__ import annotations

import random
from pathlib import Path

from zjsafety.store import connect

SECTORS = ["工矿商贸", "建设施工", "道路交通", "危险化学品", "消防"]
TOWNS = ["三墩镇", "蒋村街道", "留下街道", "转塘街道"]


def build(path: Path, *, enterprises: int = 2000, hazards: int = 20000, county: str = "330106") -> Path:
    conn = connect(path)
    rng = random.Random(7)
    c = conn.execute
    c("BEGIN")
    c("INSERT INTO import_batch(path, file_name, sha256, kind, sheet, imported_at, rows_read, inserted, updated, "
      "unchanged, rejected, tool_version) VALUES ('企业.xlsx', '企业.xlsx', ?, 'enterprise', 'Sheet1', "
      "'2019-01-10T02:00:00+00:00', 0, 0, 0, 0, 0, 'test')", ("0" * 64,))
    conn.executemany(
        "INSERT INTO enterprise(id, natural_key, uscc, name, name_norm, county_code, township, status, above_scale, "
        "phone, batch_id, src_row) VALUES (?,?,?,?,?,?,?,?,?,?,1,?)",
        [(i, f"N:{county}:企业{i:05d}", None, f"杭州测试企业{i:05d}有限公司", f"杭州测试企业{i:05d}有限公司", county,
          TOWNS[i % 4], "在营", i % 3 == 0, f"138 0571 {i:04d}", i + 1) for i in range(1, enterprises + 1)])
    conn.executemany("INSERT INTO enterprise_sector(enterprise_id, sector) VALUES (?, ?)",
                     [(i, SECTORS[i % 5]) for i in range(1, enterprises + 1)])
    conn.executemany(
        "INSERT INTO hazard(natural_key, hazard_no, enterprise_id, county_code, sector, found_on, description, "
        "is_major, status, deadline, listed, batch_id, src_row) VALUES (?,?,?,?,?,?,?,?,?,?,?,1,?)",
        [(f"H:{k}", f"XH{k:06d}", rng.randrange(1, enterprises + 1), county, SECTORS[k % 5],
          f"2018-{1 + k % 12:02d}-{1 + k % 27:02d}", f"隐患描述第{k}项：消防通道堵塞", int(k % 20 == 0),
          ["未整改", "整改中", "已整改"][k % 3], f"2019-{1 + k % 12:02d}-01", int(k % 40 == 0), k + 1)
         for k in range(1, hazards + 1)])
    conn.executemany(
        "INSERT INTO screening(natural_key, enterprise_id, county_code, sector, screened_on, batch_id, src_row) "
        "VALUES (?,?,?,?,?,1,?)",
        [(f"S-{i}", i, county, SECTORS[i % 5], "2017-09-01", i) for i in range(1, enterprises + 1, 2)])
    c("COMMIT")
    conn.close()
    return path
