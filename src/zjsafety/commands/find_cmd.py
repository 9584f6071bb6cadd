"""zjsafety find (一企一档) and zjsafety browse (Datasette)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from zjsafety.commands.options import AsOfOpt, DbOpt, DebugOpt, JsonOpt, PlanOpt, Run, ScopeOpt, command
from zjsafety.commands.render import out, print_json


def register(app: typer.Typer) -> None:
    @command(app, "find", examples="""
zjsafety find 恒达机械
zjsafety find 91330106MA27XL0E2K
zjsafety find 恒达 --all
""")
    def find(
        text: Annotated[str, typer.Argument(metavar="名称或代码", help="企业名称的任意一段（三个字以上最快），或统一社会信用代码、组织机构代码。")],
        show_all: Annotated[bool, typer.Option("--all", help="找到多家时，逐家列出档案（默认只列出名单）。")] = False,
        db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False,
    ) -> None:
        """一企一档：按名称或代码查找企业，列出它的基本信息、来源台账、隐患及整改状态、排查、督查、抽查、处罚和重大风险。"""
        from zjsafety.reports.dossier import dossier, find as run_find
        run = Run(db, as_json, debug)
        with run.open_db() as conn:
            hits = run_find(conn, text)
            files = [dossier(conn, h["id"]) for h in hits] if (len(hits) == 1 or show_all) else []
        if run.json:
            print_json({"query": text, "matches": hits, "dossiers": files})
            raise typer.Exit(0 if hits else 1)  # as without --json: nothing found is exit 1
        from zjsafety.commands.render import dossier_view, matches_table
        if not hits:
            out.print(f"没有找到名称或代码含“{text}”的企业。")
            raise typer.Exit(1)
        if not files:
            matches_table(hits)
            out.print(f"共 {len(hits)} 家。用完整的信用代码再查一次看某一家的档案，或加 --all 列出全部档案。")
        for f in files:
            dossier_view(f)

    @command(app, "browse", examples="""
zjsafety browse --scope 西湖区            （在浏览器打开 http://127.0.0.1:8001 ）
zjsafety browse --port 8080
zjsafety browse --metadata 浏览设置.json   （只写出 Datasette 的 metadata，自行运行 datasette）
""")
    def browse(
        scope: ScopeOpt = None, as_of: AsOfOpt = None, plan: PlanOpt = None,
        host: Annotated[str, typer.Option("--host", metavar="地址", help="监听地址（默认只允许本机访问）。")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", metavar="端口", help="端口（默认 8001）。")] = 8001,
        meta_out: Annotated[Optional[Path], typer.Option("--metadata", metavar="文件.json", help="不启动浏览，只写出 Datasette 的 metadata 文件。")] = None,
        db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False,
    ) -> None:
        """用 Datasette 在浏览器中只读浏览数据库：中文表名和列说明、按县/行业/状态筛选、每条规则的缺项查询。需先安装 pip install "zjsafety[browse]"。"""
        from zjsafety.reports import browse as b
        run = Run(db, as_json, debug)
        day = run.as_of(as_of)
        from zjsafety.rules.scope import Scope
        scope_code = Scope.of(run.scope(scope) or "330000", day).code  # the canned queries' scope
        if meta_out:
            meta_out = run.check_output(meta_out, what="metadata 文件")
            with run.open_db() as conn:
                meta = b.metadata(conn, run.db_path.stem, scope=scope_code, as_of=day, plan=run.plan(plan))
            import json
            from zjsafety.core.paths import write_bytes
            write_bytes(meta_out, json.dumps(meta, ensure_ascii=False, indent=2).encode("utf-8"))
            if run.json:
                print_json({"metadata": str(meta_out)})
            else:
                out.print(f"已写出 {meta_out}；运行 datasette {run.db_path} --metadata {meta_out} 即可浏览。")
            return
        with run.open_db():
            pass  # created or upgraded before Datasette opens it read-only
        out.print(f"正在 http://{host}:{port}/ 提供只读浏览（Ctrl-C 停止）。")
        b.serve(run.db_path, host=host, port=port, scope=scope_code, as_of=day, plan=run.plan(plan))
