"""zjsafety template / import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from zjsafety.commands.options import DbOpt, DebugOpt, JsonOpt, Run, WaitOpt, choice, command
from zjsafety.commands.render import import_summary, out, print_json


def kind_choice(value: str | None) -> str | None:
    from zjsafety.core import refdata
    return choice(value, {k: v["label"] for k, v in refdata.kinds().items()} | _short_kinds(), "台账类型")


def _short_kinds() -> dict[str, str]:
    from zjsafety.core import refdata
    return {k: v["short"] for k, v in refdata.kinds().items() if "short" in v}


def register(app: typer.Typer) -> None:
    @command(app, "template", examples="""
zjsafety template 隐患 -o 隐患排查治理台账.xlsx --county 西湖区
zjsafety template enterprise -o 企业基本信息台账.xlsx
""")
    def template(
        kind: Annotated[str, typer.Argument(metavar="台账类型", help="如 企业、隐患、排查、督查（或 enterprise、hazard……）。")],
        output: Annotated[Path, typer.Option("-o", "--output", metavar="文件.xlsx", help="输出的 .xlsx 文件。")],
        county: Annotated[Optional[str], typer.Option("--county", metavar="县市区名称或代码", help="下拉列表中列出该县已有企业的乡镇。")] = None,
        db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False,
    ) -> None:
        """生成标准空白台账模板（冻结表头、下拉列表、日期格式、填写说明）。"""
        from zjsafety.importers.template import write_template
        run = Run(db, as_json, debug)
        key = kind_choice(kind)
        with run.open_db() as conn:
            output = run.check_output(output, conn, what="模板文件")
            path = write_template(key, output, conn=conn, county=county)
        if run.json:
            print_json({"kind": key, "path": str(path)})
        else:
            out.print(f"已生成模板：{path}")

    @command(app, "import", examples="""
zjsafety import 台账/                              导入文件夹里的全部台账
zjsafety import 隐患台账.xlsx --dry-run             只校验，不写入
zjsafety import 三墩镇.xlsx --county 西湖区 --errors-to 退回修改
zjsafety import 部门名单.xlsx --suggest-map 映射.toml   再：zjsafety import 部门名单.xlsx --map 映射.toml
""")
    def import_(
        paths: Annotated[list[Path], typer.Argument(metavar="文件或文件夹…", help="台账文件或文件夹（.xlsx .xls .et .ods .csv），可多个；- 表示从标准输入读取一个文件。")],
        kind: Annotated[Optional[str], typer.Option("--kind", metavar="台账类型", help="强制指定台账类型（如 隐患、enterprise）。")] = None,
        county: Annotated[Optional[str], typer.Option("--county", metavar="县市区名称或代码", help="未填县（市、区）的行使用此区划。")] = None,
        level: Annotated[Optional[str], typer.Option("--level", metavar="层级", help="督查记录没有层级列时，各行的督查层级（县级、市级、省级）。")] = None,
        enterprise: Annotated[Optional[str], typer.Option("--enterprise", metavar="企业名称或信用代码", help="一家企业自己的台账（没有企业名称列）：各行都是这家企业的。")] = None,
        year: Annotated[Optional[int], typer.Option("--year", metavar="年度", min=1990, max=2100, help="事故统计、规上名录没有年度列时，各行的年度。")] = None,
        map_file: Annotated[Optional[Path], typer.Option("--map", metavar="文件.toml", help="自定义列名映射文件（TOML）。")] = None,
        strict: Annotated[bool, typer.Option("--strict", help="只要有一行出错，就什么都不写入。")] = False,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验和报告，不写入数据库。")] = False,
        include_hidden: Annotated[bool, typer.Option("--include-hidden", help="也导入隐藏的工作表。")] = False,
        replace: Annotated[bool, typer.Option("--replace", help="已有的记录整行替换（默认合并：台账中空白的单元格保留数据库中的原值）。")] = False,
        correct_uscc: Annotated[bool, typer.Option("--correct-uscc", help="信用代码与库中同名企业的只差一个字符时，按更正处理（库中改为台账的代码）。")] = False,
        keep_both: Annotated[bool, typer.Option("--keep-both", help="信用代码与库中同名企业的只差一个字符时，按两家企业分别保存。")] = False,
        suggest_map: Annotated[Optional[Path], typer.Option("--suggest-map", metavar="映射.toml", help="只校验不写入，并把无法识别的列名和可能对应的项目写成列名映射草稿，改好后用 --map 传回。")] = None,
        errors_to: Annotated[Optional[Path], typer.Option("--errors-to", metavar="文件夹", help="把标注了错误的工作簿写到此文件夹，退回乡镇修改。")] = None,
        db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False, wait: WaitOpt = None,
    ) -> None:
        """导入台账：识别每个工作表的类型和列，逐行校验，写入数据库，报告每个出错的单元格。
        退出码：0 全部导入，1 有被拒收的行，3 文件无法读取。"""
        from zjsafety.commands.progress import progress_bar
        from zjsafety.importers.pipeline import import_files
        run = Run(db, as_json, debug, wait)
        if correct_uscc and keep_both:
            from zjsafety.core.errors import UsageError
            raise UsageError("--correct-uscc 和 --keep-both 只能选一个。")
        fix = "correct" if correct_uscc else "keep" if keep_both else None
        with _stdin_as_file(paths) as paths, run.open_db() as conn, progress_bar(enabled=not run.json) as prog:
            if suggest_map is not None:
                suggest_map = run.check_output(suggest_map, conn, what="列名映射草稿")
            result = import_files(conn, paths, kind=kind_choice(kind), county=county, map_file=map_file,
                                  strict=strict, dry_run=dry_run or suggest_map is not None,
                                  include_hidden=include_hidden, replace=replace, correct_uscc=fix,
                                  level=level, enterprise=enterprise, year=year, progress=prog)
            if suggest_map is not None:
                from zjsafety.core.paths import check_output, write_text
                check_output(suggest_map, reads=[("台账", Path(f.path)) for f in result.files], what="列名映射草稿")
                from zjsafety.importers.headers import load_synonyms
                from zjsafety.importers.suggest import draft
                write_text(suggest_map, draft(result, load_synonyms(map_file)))
            written = []
            if errors_to:
                from zjsafety.importers.errorbook import write_error_books
                written = write_error_books(result, errors_to, progress=prog)
        if run.json:
            data = result.to_dict()
            data["error_books"] = [str(p) for p in written]
            data["suggested_map"] = str(suggest_map) if suggest_map is not None else None
            print_json(data)
        else:
            import_summary(result)
            for p in written:
                out.print(f"已生成错误标注工作簿：{p}")
            if suggest_map is not None:
                out.print(f"已生成列名映射草稿：{suggest_map}（改好后：zjsafety import … --map {suggest_map.name}）")
        raise typer.Exit(result.exit_code)


class _stdin_as_file:
    """`import -`: the bytes on standard input, as a file named 标准输入 while the import runs."""

    def __init__(self, paths: list[Path]):
        self.paths, self.tmp = paths, None

    def __enter__(self) -> list[Path]:
        if not any(str(p) == "-" for p in self.paths):
            return self.paths
        import sys
        import tempfile
        data = sys.stdin.buffer.read()
        if not data:
            from zjsafety.core.errors import UsageError
            raise UsageError("标准输入（-）是空的：请用管道传入一个台账文件，如 type 台账.csv | zjsafety import -")
        ext = ".xlsx" if data[:4] == b"PK\x03\x04" else ".xls" if data[:4] == b"\xd0\xcf\x11\xe0" else ".csv"
        self.tmp = tempfile.TemporaryDirectory(prefix="zjsafety-")
        f = Path(self.tmp.name) / f"标准输入{ext}"
        f.write_bytes(data)
        return [f if str(p) == "-" else p for p in self.paths]

    def __exit__(self, *exc) -> None:
        if self.tmp is not None:
            self.tmp.cleanup()
