from conftest import plain
from zjsafety.cli import app


def _commands(group):
    import typer.main
    cmd = typer.main.get_command(group)
    return cmd


def test_help_lists_the_commands(cli):
    r = cli("--help", db=False)
    assert r.exit_code == 0
    for name in ("init", "import", "template", "demo"):
        assert name in r.stdout


def test_every_command_has_help_text():
    root = _commands(app)
    seen = []

    def walk(cmd, path):
        assert cmd.help, f"{path} has no help"
        seen.append(path)
        if hasattr(cmd, "commands"):  # typer vendors its own click
            for name, sub in cmd.commands.items():
                walk(sub, path + [name])
    walk(root, ["zjsafety"])
    assert ["zjsafety", "sample", "verify"] in seen


def test_init_creates_the_database(cli, db_path):
    r = cli("init")
    assert r.exit_code == 0 and "数据库已就绪" in r.stdout
    r, data = cli.json("init")
    assert data["schema_version"] >= 3 and db_path.exists()


def test_db_from_environment(tmp_path, monkeypatch):
    from typer.testing import CliRunner
    p = tmp_path / "env.db"
    r = CliRunner().invoke(app, ["init"], env={"ZJSAFETY_DB": str(p)})
    assert r.exit_code == 0 and p.exists()


def test_bad_database_gives_chinese_message_and_exit_3_without_traceback(cli, db_path):
    db_path.write_text("not a database", encoding="utf-8")
    r = cli("init")
    assert r.exit_code == 3
    assert "不是SQLite数据库" in plain(r.stderr)
    assert "Traceback" not in r.stderr + r.stdout


def test_missing_folder_for_database(cli, tmp_path):
    r = cli("--db", str(tmp_path / "nope" / "x.db"), "init", db=False)
    assert r.exit_code == 3 and "不存在" in plain(r.stderr)


def test_debug_shows_the_traceback(cli, db_path):
    db_path.write_text("not a database", encoding="utf-8")
    r = cli("--debug", "init")
    assert r.exit_code == 3 and "Traceback" in r.stderr


def test_unknown_option_is_a_usage_error(cli):
    r = cli("import", "--no-such-option")
    assert r.exit_code == 2


def test_output_into_a_missing_folder_is_a_clear_message(cli, tmp_path):
    r = cli("template", "hazard", "-o", tmp_path / "没有这个文件夹" / "x.xlsx")
    assert r.exit_code == 2 and "不存在" in plain(r.stderr)
    r = cli("template", "hazard", "-o", tmp_path)
    assert r.exit_code == 2


def test_usage_errors_are_said_in_chinese(cli):
    r = cli("merge", "-o", "x.db")
    assert r.exit_code == 2 and "缺少参数" in plain(r.stderr) and "zjsafetymerge-h" in plain(r.stderr)
    r = cli("import", "--no-such-option", "x.xlsx")
    assert r.exit_code == 2 and "没有选项" in plain(r.stderr)
    r = cli("audit", "--year", "abc")
    assert r.exit_code == 2 and "整数" in plain(r.stderr)
    r = cli("sample", "--rate", "x", "--scope", "330106", "--seed", "a")
    assert r.exit_code == 2 and "应为数字" in plain(r.stderr)


def test_json_runs_get_their_error_as_json_on_stdout(cli, tmp_path):
    """A script reading stdout of `--json` gets an error object, not nothing; the panel stays on stderr."""
    import json
    missing = tmp_path / "没有的台账.xlsx"
    r = cli("import", missing, "--json")
    assert r.exit_code == 3
    err = json.loads(r.stdout)["error"]
    assert err["exit_code"] == 3 and err["type"] == "UnreadableInput" and "没有的台账.xlsx" in err["message"]
    assert "没有的台账.xlsx" in plain(r.stderr)
    r = cli("import", missing)  # without --json: nothing on stdout
    assert r.exit_code == 3 and r.stdout.strip() == ""
    r = cli("audit", "--scope", "不存在县", "--json")
    assert r.exit_code == 2 and json.loads(r.stdout)["error"]["type"] == "UsageError"


def test_usage_errors_are_chinese_in_a_fresh_process_without_typers_rich_helpers(tmp_path):
    """Usage errors are translated where the app is called, whatever Typer has loaded: a fresh
    process says them in Chinese, and no run needs Typer's rich help module (markdown-it, pygments)."""
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "zjsafety", "import", "--no-such-option", "x.xlsx"],
                       capture_output=True, text=True, encoding="utf-8")
    assert r.returncode == 2 and "没有选项--no-such-option" in plain(r.stderr)
    probe = ("import sys; sys.argv = ['zjsafety', '--db', sys.argv[1], 'init']\n"
             "from zjsafety.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print('loaded' if 'typer.rich_utils' in sys.modules else 'not loaded')")
    r = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "a.db")], capture_output=True, text=True,
                       encoding="utf-8")
    assert r.stdout.strip().endswith("not loaded"), r.stdout + r.stderr


def test_an_import_without_errors_loads_neither_the_xlsx_writer_nor_the_rule_engine(tmp_path):
    """What a clean import needs, and no more: openpyxl (with numpy, where installed) and the rules
    are loaded by the commands that write workbooks or audit, not by every start-up."""
    import subprocess
    import sys
    from ledgers import ENT_HEADERS, ent_rows, write_csv
    ledger = write_csv(tmp_path / "企业.csv", ENT_HEADERS, ent_rows())
    subprocess.run([sys.executable, "-m", "zjsafety", "--db", str(tmp_path / "a.db"), "init"], check=True,
                   capture_output=True)  # a new database's schema is built with sqlite-utils
    probe = ("import sys; sys.argv = ['zjsafety', '--db', sys.argv[1], 'import', sys.argv[2]]\n"
             "from zjsafety.cli import main\n"
             "try:\n    main()\nexcept SystemExit as e:\n    print('exit', e.code)\n"
             "print(sorted(m for m in ('openpyxl', 'numpy', 'zjsafety.rules', 'sqlite_utils') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "a.db"), str(ledger)], capture_output=True,
                       text=True, encoding="utf-8")
    assert r.stdout.strip().splitlines()[-2:] == ["exit 0", "[]"], r.stdout + r.stderr
