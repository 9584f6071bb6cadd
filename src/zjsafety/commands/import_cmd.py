"""zjsafety import / template."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..console import import_summary, out, print_json
from .common import JsonOpt, connect, guarded


def register(app: typer.Typer) -> None:
    @app.command("import")
    @guarded
    def import_(
        paths: Annotated[list[Path], typer.Argument(help="台账文件或文件夹（.xlsx .xls .ods .csv），可多个。")],
        kind: Annotated[Optional[str], typer.Option("--kind", help="强制指定台账类型（如 hazard、enterprise）。")] = None,
        county: Annotated[Optional[str], typer.Option("--county", help="未填县（市、区）的行使用此区划（代码或名称）。")] = None,
        map_file: Annotated[Optional[Path], typer.Option("--map", help="自定义列名映射文件（TOML）。")] = None,
        strict: Annotated[bool, typer.Option("--strict", help="只要有一行出错，就什么都不写入。")] = False,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验和报告，不写入数据库。")] = False,
        include_hidden: Annotated[bool, typer.Option("--include-hidden", help="也导入隐藏的工作表。")] = False,
        errors_to: Annotated[Optional[Path], typer.Option("--errors-to", help="把标注了错误的工作簿写到此文件夹，退回乡镇修改。")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """导入台账：识别每个工作表的类型和列，逐行校验，写入数据库，报告每个出错的单元格。"""
        from ..importers.pipeline import import_files
        from ..progress import row_progress
        conn = connect()
        try:
            with row_progress(enabled=not as_json) as prog:
                result = import_files(conn, paths, kind=kind, county=county, map_file=map_file, strict=strict,
                                      dry_run=dry_run, include_hidden=include_hidden, progress=prog)
        finally:
            conn.close()
        written = []
        if errors_to:
            from ..importers.errorbook import write_error_books
            written = write_error_books(result, errors_to)
        if as_json:
            data = result.to_dict()
            data["error_books"] = [str(p) for p in written]
            print_json(data)
        else:
            import_summary(result)
            for p in written:
                out.print(f"已生成错误标注工作簿：{p}")
        raise typer.Exit(result.exit_code)

    @app.command()
    @guarded
    def template(
        kind: Annotated[str, typer.Argument(help="台账类型，如 enterprise、hazard、screening。")],
        output: Annotated[Path, typer.Option("-o", "--output", help="输出的 .xlsx 文件。")],
        county: Annotated[Optional[str], typer.Option("--county", help="下拉列表中列出该县的乡镇（取自已导入的企业）。")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """生成标准空白台账模板（冻结表头、下拉列表、日期格式、填写说明）。"""
        from ..importers.template import write_template
        conn = connect()
        try:
            path = write_template(kind, output, conn=conn, county=county)
        finally:
            conn.close()
        if as_json:
            print_json({"kind": kind, "path": str(path)})
        else:
            out.print(f"已生成模板：{path}")
