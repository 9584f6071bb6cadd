"""The CLI as a clerk meets it: Chinese help, Chinese or English values, global options anywhere,
`-`, a settings file, shell completion, 一企一档 search, Datasette as the browser, and no POSIX
assumptions in the code."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from conftest import Cli, plain
from ledgers import write_csv
from zjsafety.cli import app
from zjsafety.core import labels, refdata
from zjsafety.demo import write_demo_ledgers
from zjsafety.rules.pack import build_rules, load_pack

SRC = Path(__file__).resolve().parents[1] / "src" / "zjsafety"


def _paths() -> list[list[str]]:
    out = [[]]

    def walk(cmd, path):  # typer vendors its own click: a group is what has commands
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                out.append(path + [name])
                walk(sub, path + [name])
    walk(typer.main.get_command(app), [])
    return out


def _allowed_words() -> set[str]:
    """English a person may meet in help: command names, the English spellings of choices,
    rule ids, program and file-format names."""
    words = {"zjsafety", "JSON", "json", "jsonl", "toml", "xlsx", "xls", "csv", "docx", "md", "html", "et", "ods",
             "Excel", "WPS", "Python", "PowerShell", "bash", "zsh", "Datasette", "datasette", "pip", "browse",
             "SHA", "ZJSAFETY_DB", "ZJSAFETY_CONFIG", "YYYY", "MM", "DD", "sha256", "public", "http", "db",
             "TOML", "Markdown", "Word", "metadata", "install"}
    from zjsafety.core.plans import available
    words |= {w for name in available() for w in re.findall(r"[A-Za-z]+", name)}  # rule pack names
    from zjsafety.core.settings import KEYS
    words |= set(KEYS) | {"as_of"}  # the settings file's keys, as it is written
    words |= {w for p in _paths() for w in p}
    words |= set(labels.LEVEL) | set(refdata.kinds())
    for r in build_rules(load_pack(None)):
        words |= set(re.findall(r"[A-Za-z]+", r.p.id))
    return words


def test_every_help_page_is_chinese_outside_option_names():
    runner, allowed, seen = CliRunner(), _allowed_words(), {}
    for path in _paths():
        r = runner.invoke(app, path + ["-h"])
        assert r.exit_code == 0, path
        assert "用法：" in r.output and "选项：" in r.output, path
        assert "<bool>" not in r.output and "Usage" not in r.output and "Show this" not in r.output
        if path:
            assert "示例：" in r.output, f"{path} has no worked examples"
        for line in r.output.splitlines():
            line = line.strip()
            if line.startswith("zjsafety "):  # an example command line
                continue
            line = re.sub(r"--?[A-Za-z][\w-]*", "", line)  # option names
            for word in re.findall(r"[A-Za-z][A-Za-z_]+", line):
                if word not in allowed:
                    seen.setdefault(word, path)
    assert not seen, f"English words in help: {seen}"


def test_commands_are_listed_in_the_order_of_the_work():
    r = CliRunner().invoke(app, ["-h"])
    names = re.findall(r"^  ([a-z]+) ", r.output, flags=re.M)
    order = ["init", "config", "template", "import", "audit", "sample", "report", "merge", "find", "browse", "demo"]
    assert [n for n in names if n in order] == order


def test_choices_take_chinese_or_english_and_scopes_are_strict(tmp_path):
    cli = Cli(tmp_path / "t.db")
    for kind in ("隐患", "hazard"):
        assert cli("template", kind, "-o", tmp_path / f"{kind}.xlsx").exit_code == 0
    r = cli("audit", "explain", "各级督查企业比例", "--scope", "西湖区", "--level", "县级", "--as-of", "2018-12-31")
    assert r.exit_code == 0
    r = cli("audit", "explain", "supervision-quota", "--scope", "西湖区", "--level", "county", "--as-of", "2018-12-31")
    assert r.exit_code == 0
    r = cli("audit", "--scope", "西湖区abc")
    assert r.exit_code == 2 and "--scope" in plain(r.stderr)
    r = cli("audit", "--scope", " ")
    assert r.exit_code == 2
    r = cli("audit", "--scop", "1")
    assert r.exit_code == 2 and "--scope" in plain(r.stderr) and "No such" not in r.stderr


def test_global_options_before_or_after_the_command(tmp_path):
    db = tmp_path / "g.db"
    runner = CliRunner()
    a = runner.invoke(app, ["--json", "--db", str(db), "audit", "--scope", "西湖区", "--as-of", "2018-12-31"])
    b = runner.invoke(app, ["audit", "--scope", "西湖区", "--as-of", "2018-12-31", "--db", str(db), "--json"])
    assert json.loads(a.stdout)["results"] == json.loads(b.stdout)["results"]
    r = runner.invoke(app, ["--json", "audit", "--bogus"])
    assert r.exit_code == 2 and json.loads(r.stdout)["error"]["exit_code"] == 2
    r = runner.invoke(app, ["report", "--json"])  # -o missing
    assert r.exit_code == 2 and "error" in json.loads(r.stdout)


def test_dash_is_stdin_or_stdout_where_it_makes_sense_and_refused_elsewhere(tmp_path):
    cli = Cli(tmp_path / "d.db")
    data = (tmp_path / "e.csv")
    write_csv(data, ["企业名称", "所属县（市、区）", "行业领域", "是否规上"], [["杭州甲有限公司", "西湖区", "工矿商贸", "是"]])
    r = cli.runner.invoke(app, ["--db", str(cli.db), "import", "-"], input=data.read_bytes())
    assert r.exit_code == 0 and "标准输入" in r.stdout
    r = cli("report", "--scope", "西湖区", "--as-of", "2018-12-31", "-o", "-")
    assert r.exit_code == 0 and r.stdout.startswith("# ")
    for args in (["audit", "--scope", "西湖区", "--xlsx", "-"], ["template", "企业", "-o", "-"]):
        r = cli(*args)
        assert r.exit_code == 2 and "“-”" in r.stderr
    assert not (Path.cwd() / "-").exists()


def test_settings_file_remembers_the_county_and_says_where_each_value_came_from(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    r = runner.invoke(app, ["init", "--scope", "西湖区", "--as-of", "2018-12-31", "--output-dir", "输出"])
    assert r.exit_code == 0 and (tmp_path / "zjsafety.toml").is_file()
    r = runner.invoke(app, ["config", "--json"])
    cfg = {x["key"]: x for x in json.loads(r.stdout)["settings"]}
    assert cfg["scope"]["value"] == "330106" and "zjsafety.toml" in cfg["scope"]["source"]
    assert cfg["plan"]["source"] == "默认值"
    r = runner.invoke(app, ["config"])
    assert "设置文件 zjsafety.toml" in r.stdout
    r = runner.invoke(app, ["audit", "--json"])  # no --scope, no --as-of
    data = json.loads(r.stdout)
    assert data["scope"] == "330106" and data["as_of"] == "2018-12-31"
    r = runner.invoke(app, ["audit", "--json", "--scope", "上城区"])  # the command line wins
    assert json.loads(r.stdout)["scope"] == "330102"
    r = runner.invoke(app, ["audit", "--xlsx", "核查.xlsx"])
    assert (tmp_path / "输出" / "核查.xlsx").is_file()  # relative outputs go to the output folder
    other = tmp_path / "其他.toml"
    other.write_text('scope = "拱墅区"\n', encoding="utf-8")
    r = runner.invoke(app, ["--config", str(other), "audit", "--json", "--as-of", "2018-12-31"])
    assert json.loads(r.stdout)["scope"] == "330105"


def test_no_progress_bars_when_output_is_not_a_terminal(tmp_path):
    write_demo_ledgers(tmp_path)
    cli = Cli(tmp_path / "p.db")
    r = cli("import", tmp_path / "台账", "--county", "西湖区")
    assert "剩余" not in r.stderr and "━" not in r.stderr


def test_shell_completion_completes_commands_and_options():
    env = {**os.environ, "COMP_WORDS": "zjsafety au", "COMP_CWORD": "1", "_ZJSAFETY_COMPLETE": "complete_bash"}
    p = subprocess.run([sys.executable, "-m", "zjsafety"], env=env, capture_output=True, text=True, timeout=60)
    assert p.stdout.split() == ["audit"]
    env.update(COMP_WORDS="zjsafety audit --sc", COMP_CWORD="2")
    p = subprocess.run([sys.executable, "-m", "zjsafety"], env=env, capture_output=True, text=True, timeout=60)
    assert "--scope" in p.stdout.split()
    r = CliRunner().invoke(app, ["--show-completion", "bash"])
    assert "_ZJSAFETY_COMPLETE" in r.output


# ------------------------------------------------------------------ 一企一档

@pytest.fixture
def demo_db(tmp_path):
    cli = Cli(tmp_path / "demo" / "demo.db")
    r = cli("demo", "--dir", tmp_path / "demo", db=False)
    assert r.exit_code == 0, r.stdout
    return cli


def test_find_by_any_part_of_the_name_or_the_code(demo_db):
    from zjsafety.reports.dossier import dossier, find
    from zjsafety.store import connect
    conn = connect(demo_db.db)
    by_part = find(conn, "转塘恒达机")  # through the trigram index
    assert [h["name"] for h in by_part] == ["杭州转塘恒达机械制造有限公司"]
    two = find(conn, "恒达")  # two characters: a scan
    assert len(two) > 1 and all("恒达" in h["name"] for h in two)
    code = by_part[0]["uscc"]
    assert [h["id"] for h in find(conn, code.lower())] == [by_part[0]["id"]]
    d = dossier(conn, by_part[0]["id"])
    assert d["hazards"] and all(h["file"] for h in d["hazards"]) and d["ledgers"]
    drawn = conn.execute("SELECT json_extract(s.value, '$.key') FROM sample_draw d, json_each(d.result_json, '$.selected') s "
                         "WHERE d.kind = 'draw' LIMIT 1").fetchone()[0]
    hit = find(conn, drawn)
    assert dossier(conn, hit[0]["id"])["draws"][0]["id"] >= 1
    # an enterprise renamed by a later ledger is found by its new name (the index catches up)
    from zjsafety.importers.pipeline import import_files
    ledger = write_csv(demo_db.db.parent / "改名.csv", ["企业名称", "统一社会信用代码", "所属县（市、区）", "行业领域"],
                       [["杭州改名后的新公司", hit[0]["uscc"], "西湖区", "工矿商贸"]])
    import_files(conn, [ledger], replace=True)
    assert [h["id"] for h in find(conn, "改名后的新")] == [hit[0]["id"]]
    assert find(conn, hit[0]["name"][2:8]) == [] or hit[0]["id"] not in [h["id"] for h in find(conn, hit[0]["name"][2:8])]
    conn.close()


def test_find_through_the_cli(demo_db):
    r = demo_db("find", "转塘恒达机械")
    assert r.exit_code == 0 and "隐患" in r.stdout and "来源台账" in r.stdout
    r, data = demo_db.json("find", "恒达")
    assert len(data["matches"]) > 1 and data["dossiers"] == []
    r = demo_db("find", "没有这家企业")
    assert r.exit_code == 1 and "没有找到" in r.stdout
    r = demo_db("find", " ")
    assert r.exit_code == 2


# ------------------------------------------------------------------ Datasette

def test_datasette_shows_chinese_metadata_facets_and_a_query_per_rule(demo_db):
    pytest.importorskip("datasette")
    from zjsafety.reports.browse import app as browse_app
    from zjsafety.rules.audit import explain
    from zjsafety.store import connect
    before = hashlib.sha256(demo_db.db.read_bytes()).hexdigest()
    ds = browse_app(demo_db.db, scope="330106", as_of=date(2018, 12, 31))
    name = demo_db.db.stem

    async def get(path):
        r = await ds.client.get(path)
        assert r.status_code == 200, path
        return r

    async def go():
        meta = (await get("/-/metadata.json")).json()["databases"][name]
        assert meta["tables"]["hazard"]["title"] == "隐患排查治理台账"
        assert meta["tables"]["import_batch"]["label_column"] == "file_name"
        assert meta["tables"]["hazard"]["columns"]["found_on"] == "发现日期"
        assert "county_code" in meta["tables"]["enterprise"]["facets"]
        assert {"screening-coverage", "supervision-quota-county", "repeat-hazards"} <= set(meta["queries"])
        page = (await get(f"/{name}/hazard")).text
        assert "隐患排查治理台账" in page
        rows = (await get(f"/{name}/screening-coverage.json?_shape=objects")).json()["rows"]
        return rows
    rows = asyncio.run(go())
    conn = connect(demo_db.db)
    items = explain(conn, "screening-coverage", "330106", date(2018, 12, 31))
    conn.close()
    assert sorted((r["编号"], r["行业领域"]) for r in rows) == sorted((i["item"], i["sector"]) for i in items)
    assert hashlib.sha256(demo_db.db.read_bytes()).hexdigest() == before  # browsing writes nothing


def test_browse_writes_its_metadata_for_a_datasette_run_by_hand(demo_db, tmp_path):
    out = tmp_path / "浏览设置.json"
    r = demo_db("browse", "--metadata", out, "--scope", "西湖区", "--as-of", "2018-12-31")
    assert r.exit_code == 0
    meta = json.loads(out.read_text(encoding="utf-8"))
    assert meta["databases"][demo_db.db.stem]["tables"]["enterprise"]["title"] == "企业基本信息"


def test_every_reference_column_has_its_foreign_key_and_batches_keep_no_local_path(demo_db):
    import sqlite_utils
    db = sqlite_utils.Database(demo_db.db)
    for t in db.tables:
        fks = {f.column for f in t.foreign_keys}
        for c in t.columns:
            if c.name.endswith("_id") or c.name in ("county_code", "parent_code", "supersedes"):
                assert c.name in fks, f"{t.name}.{c.name} has no foreign key"
    for row in db["import_batch"].rows:
        assert "/" not in row["path"] and "\\" not in row["path"] and row["path"] == row["file_name"]


# ------------------------------------------------------------------ Windows

def test_nothing_in_src_assumes_a_posix_path_or_shell():
    bad = [
        (r"""["'](/tmp|/usr|/etc|/dev|/home|~/)""", "a POSIX path"),
        (r"shell\s*=\s*True", "a shell"),
        (r"\bos\.(getuid|geteuid|getgid|fork|chown|killpg)\b", "a POSIX-only call"),
        (r"^\s*(import|from)\s+(fcntl|pwd|grp|termios|resource)\b", "a POSIX-only module"),
        (r"""\.split\(\s*["']/["']\s*\)""", "splitting a path on '/'"),
        (r"""os\.path\.join\([^)]*["']/""", "a '/' inside a joined path"),
    ]
    found = []
    for f in SRC.rglob("*.py"):
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            for pattern, what in bad:
                if re.search(pattern, line):
                    found.append(f"{f.relative_to(SRC)}:{n}: {what}: {line.strip()}")
    assert not found, "\n".join(found)
