"""zjsafety init / config: the database and the settings a clerk sets once."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from zjsafety.commands.options import AsOfOpt, DbOpt, DebugOpt, JsonOpt, PlanOpt, Run, ScopeOpt, command, parse_day
from zjsafety.commands.render import out, print_json
from zjsafety.core import settings


def register(app: typer.Typer) -> None:
    @command(app, "init", examples="""
zjsafety init                                 建库（或把旧版数据库升级）
zjsafety init --scope 西湖区 --as-of 2018-12-31   同时写一个 zjsafety.toml，以后的命令不必再写这两项
zjsafety --db 杭州市.db init --scope 杭州市
""")
    def init(scope: ScopeOpt = None, as_of: AsOfOpt = None, plan: PlanOpt = None,
             output: Annotated[Optional[Path], typer.Option("--output-dir", metavar="文件夹", help="以后的报告、工作簿默认写到这个文件夹。")] = None,
             db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
        """创建或升级数据库（其他命令首次使用时也会自动创建）；给出 --scope 等时写入设置文件 zjsafety.toml。"""
        from zjsafety.rules.pack import load_pack
        from zjsafety.rules.scope import Scope
        from zjsafety.store import schema_version
        run = Run(db, as_json, debug, new_config=True)
        written = None
        if scope or as_of or plan or output or db:
            day = parse_day(as_of, "--as-of")
            updates = {"scope": Scope.of(scope, day or date.today()).code if scope else None,
                       "as_of": day.isoformat() if day else None, "plan": load_pack(plan)["plan"] if plan else None,
                       "output": str(output) if output else None, "db": str(db) if db else None}
            from zjsafety.commands.options import state
            from zjsafety.core.paths import check_output
            # the file --config (or $ZJSAFETY_CONFIG) names, else ./zjsafety.toml — never the database
            target = settings.find_file(state.config) or Path(settings.FILE_NAME)
            check_output(target, reads=[("数据库", Path(db) if db else run.db_path)], what="设置文件")
            written = settings.save(target, updates)
            run = Run(db, as_json, debug, new_config=True)
        with run.open_db() as conn:
            v = schema_version(conn)
        if run.json:
            print_json({"db": str(run.db_path), "schema_version": v, "settings_file": str(written) if written else None})
        else:
            out.print(f"数据库已就绪：{run.db_path}（结构版本 {v}）")
            if written:
                out.print(f"已写入设置文件：{written}（zjsafety config 查看当前设置）")

    @command(app, "config", examples="""
zjsafety config             看当前生效的设置及其来源
zjsafety --config 杭州.toml config
""")
    def config(db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
        """显示当前生效的设置（数据库、范围、截至日期、输出文件夹、规则包）以及每一项来自哪里。"""
        run = Run(db, as_json, debug)
        given = {"db": str(db) if db else None}
        rows = [{"key": k, "label": settings.KEYS[k], "value": run.settings.get(k, given.get(k)),
                 "source": run.settings.source(k, given.get(k))} for k in settings.KEYS]
        if run.json:
            print_json({"file": str(run.settings.file) if run.settings.file else None, "settings": rows})
            return
        from rich.table import Table
        t = Table(title="当前设置")
        for col in ("设置", "说明", "值", "来源"):
            t.add_column(col)
        for r in rows:
            t.add_row(r["key"], r["label"], "" if r["value"] is None else str(r["value"]), r["source"])
        out.print(t)
        out.print(f"设置文件：{run.settings.file or '无（可用 zjsafety init --scope … 创建 zjsafety.toml）'}")
