import sqlite3

import pytest

from zjsafety.core.errors import DatabaseError
from zjsafety.store import connect, schema_version
from zjsafety.store.connection import migrate
from zjsafety.store.schema import LATEST


def test_new_database_has_every_table_and_reference_data(conn):
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for t in ("enterprise", "enterprise_sector", "screening", "hazard", "hazard_status", "major_hazard_register",
              "major_risk", "inspection", "penalty", "accident_stat", "above_scale_list", "inspector",
              "plan_task", "import_batch", "sample_draw", "jurisdiction", "sector"):
        assert t in tables
    assert schema_version(conn) == LATEST
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM jurisdiction WHERE level='county' AND retired_in IS NULL").fetchone()[0] == 90
    assert conn.execute("SELECT COUNT(*) FROM sector WHERE high_volume=1").fetchone()[0] == 4


def test_foreign_keys_are_enforced(conn):
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO enterprise_sector(enterprise_id, sector) VALUES (999, '消防')")


def test_upgrade_from_version_1_keeps_the_users_rows(db_path):
    old = sqlite3.connect(db_path, isolation_level=None)
    migrate(old, target=1)
    assert schema_version(old) == 1
    old.execute("INSERT INTO enterprise(natural_key, uscc, name, name_norm, county_code) "
                "VALUES ('U:91330100580274795B', '91330100580274795B', '浙江宇视科技有限公司', '浙江宇视科技有限公司', '330106')")
    old.execute("INSERT INTO hazard(hazard_no, enterprise_id, found_on, description, is_major, status) "
                "VALUES ('XH1', 1, '2018-01-02', '消防通道堵塞', 1, '未整改')")
    old.close()
    conn = connect(db_path)
    assert schema_version(conn) == LATEST
    assert conn.execute("SELECT name FROM enterprise").fetchone()[0] == "浙江宇视科技有限公司"
    row = conn.execute("SELECT hazard_no, listed FROM hazard").fetchone()
    assert row[0] == "XH1" and row[1] is None  # the column added by version 2 is there, empty
    conn.close()


def test_opening_twice_is_a_no_op(db_path):
    connect(db_path).close()
    c = connect(db_path)
    assert schema_version(c) == LATEST
    assert c.execute("SELECT COUNT(*) FROM sector").fetchone()[0] == 9
    c.close()


def test_a_foreign_sqlite_database_is_refused_untouched(tmp_path):
    p = tmp_path / "other.db"
    c = sqlite3.connect(p)
    c.execute("CREATE TABLE things(x)")
    c.commit()
    c.close()
    before = p.read_bytes()
    with pytest.raises(DatabaseError) as e:
        connect(p)
    assert "不是 zjsafety 数据库" in e.value.message
    assert p.read_bytes() == before


def test_a_non_database_file_is_refused(tmp_path):
    p = tmp_path / "ledger.db"
    p.write_text("企业名称,信用代码\n", encoding="utf-8")
    with pytest.raises(DatabaseError) as e:
        connect(p)
    assert "不是 SQLite 数据库" in e.value.message


def test_a_newer_database_is_refused(db_path):
    c = connect(db_path)
    c.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    c.close()
    with pytest.raises(DatabaseError) as e:
        connect(db_path)
    assert "升级" in e.value.message


def test_sample_draws_are_append_only(conn):
    conn.execute("INSERT INTO sample_draw(level, scope, year, seed, params_json, frame_size, frame_sha256, frame_json, "
                 "quota, result_json, hash, created_at) VALUES ('county','330106',2019,'s','{}',0,'x','[]',0,'[]','h','t')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("DELETE FROM sample_draw")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE sample_draw SET seed='t'")


def _indexes(conn, table):
    return sorted(tuple(r) for r in conn.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name=?",
                                                 (table,)))


def test_a_load_into_an_empty_table_builds_its_indexes_afterwards(tmp_path):
    """The import drops a table's indexes (the unique natural key's too) while it loads into it
    empty, and builds them again at the end; the page cache it lowers for the load comes back too."""
    from ledgers import ENT_HEADERS, HAZ_HEADERS, ent_rows, haz_rows, xlsx
    from zjsafety.importers.pipeline import import_files

    conn = connect(tmp_path / "a.db")
    before = _indexes(conn, "hazard")
    assert any("ix_hazard_ent" == n for n, _ in before)
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    seen_during: list = []
    from zjsafety.store import records as sql
    real_save = sql.save

    def spy(c, table, *a, **k):
        if table == "hazard":
            seen_during.append((_indexes(c, "hazard"), c.execute("PRAGMA cache_size").fetchone()[0]))
        return real_save(c, table, *a, **k)
    sql.save = spy
    try:
        ent = xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows())
        haz = xlsx(tmp_path / "隐患.xlsx", HAZ_HEADERS, haz_rows())
        import_files(conn, [ent, haz])
    finally:
        sql.save = real_save
    idx_during, cache_during = seen_during[0]
    assert "ux_hazard_key" in [n for n, _ in before]
    assert [n for n, _ in idx_during] == [n for n, s in before if s is None]  # only SQLite's own
    assert cache_during == -sql.IMPORT_CACHE_KIB
    assert _indexes(conn, "hazard") == before
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == cache
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    plan = " ".join(r[-1] for r in conn.execute("EXPLAIN QUERY PLAN SELECT * FROM hazard WHERE enterprise_id=1"))
    assert "ix_hazard_ent" in plan
    # a second load finds rows there: its indexes stay put
    seen_during.clear()
    sql.save = spy
    try:
        import_files(conn, [haz])
    finally:
        sql.save = real_save
    assert seen_during[0][0] == before


def test_a_failed_load_leaves_the_indexes_as_they_were(tmp_path, monkeypatch):
    from ledgers import ENT_HEADERS, HAZ_HEADERS, ent_rows, haz_rows, xlsx
    from zjsafety.importers import loader
    from zjsafety.importers.pipeline import import_files

    conn = connect(tmp_path / "a.db")
    ent = xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows())
    import_files(conn, [ent])
    before = _indexes(conn, "hazard")
    haz = xlsx(tmp_path / "隐患.xlsx", HAZ_HEADERS, haz_rows())
    real = loader.Loader.link

    def interrupted(self, valid):
        if self.kind == "hazard":
            raise KeyboardInterrupt
        return real(self, valid)
    monkeypatch.setattr(loader.Loader, "link", interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_files(conn, [haz])
    assert _indexes(conn, "hazard") == before
    assert conn.execute("SELECT COUNT(*) FROM hazard").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM enterprise").fetchone()[0] == len(ent_rows())


def test_a_fresh_load_still_refuses_a_key_given_twice_across_batches(tmp_path, monkeypatch):
    """Into an empty table nothing is looked up and the unique index is built at the end: a
    hazard number given again for the same enterprise, batches later, is still a duplicate said
    of its row, and the index comes back whole."""
    from ledgers import ENT_HEADERS, HAZ_HEADERS, NAMES, USCC, ent_rows, xlsx
    from zjsafety.importers import pipeline

    monkeypatch.setattr(pipeline, "BATCH", 40)
    conn = connect(tmp_path / "a.db")
    pipeline.import_files(conn, [xlsx(tmp_path / "企业.xlsx", ENT_HEADERS, ent_rows())])
    n = pipeline.BATCH * 2 + 10
    rows = [[f"XH{i:05d}", NAMES[i % 3], USCC[i % 3], "工贸", "2018-03-01", f"隐患{i}", "一般", "未整改",
             "2018-06-30", None] for i in range(n)]
    rows.append(list(rows[3]))  # row 3 of the data again, in the last batch
    res = pipeline.import_files(conn, [xlsx(tmp_path / "隐患.xlsx", HAZ_HEADERS, rows)])
    f = res.files[0]
    assert (f.inserted, f.rejected) == (n, 1)
    dup = [x for x in f.findings if x.type == "duplicate_in_file"]
    assert [(x.row, x.message) for x in dup] == [(n + 2, "与第 5 行重复（同一隐患）")]
    assert "ux_hazard_key" in [name for name, _ in _indexes(conn, "hazard")]
    assert tuple(conn.execute("SELECT COUNT(DISTINCT natural_key), COUNT(*) FROM hazard").fetchone()) == (n, n)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
