"""zjsafety sample / sample plan / sample verify / sample export / sample list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from zjsafety.commands.options import (AsOfOpt, DbOpt, DebugOpt, JsonOpt, PlanOpt, Run, ScopeOpt, WaitOpt, choice,
                                       command, group, parse_day)
from zjsafety.commands.render import out, print_json
from zjsafety.core import labels

LevelOpt = Annotated[str, typer.Option("--level", metavar="层级", help="督查层级：县级（30%）、市级（10%）、省级（省级部门 5%），或 county、city、province。")]
YearOpt = Annotated[Optional[int], typer.Option("--year", metavar="年份", min=1990, max=2100, help="督查年度（默认截至日期所在年）。")]
RateOpt = Annotated[Optional[str], typer.Option("--rate", metavar="比例", help="抽查比例（默认按层级 0.30/0.10/0.05）。")]
SparesOpt = Annotated[int, typer.Option("--spares", metavar="家数", min=0, max=100000, help="备选企业数（抽中企业已关闭时依次递补）。")]
ExcludeOpt = Annotated[Optional[int], typer.Option("--exclude-months", metavar="月数", min=0, max=600, help="排除最近 N 个月内检查过的企业。")]
WeightOpt = Annotated[bool, typer.Option("--risk-weighted", help="按近一年隐患数加权抽取。")]
SectorOpt = Annotated[Optional[list[str]], typer.Option("--sector", metavar="行业领域", help="只从这些行业领域抽取（省级部门：其牵头领域）。")]
NoInspOpt = Annotated[bool, typer.Option("--no-inspectors", help="只抽企业，不选派执法人员。")]
UnknownOpt = Annotated[bool, typer.Option("--allow-unknown-conflicts", help="执法人员名录中有找不到的回避企业时仍然抽取（过程记录会列出这些项）。")]
XlsxOpt = Annotated[Optional[Path], typer.Option("--xlsx", metavar="文件.xlsx", help="写出抽查任务清单（.xlsx）。")]
NoticeOpt = Annotated[Optional[Path], typer.Option("--notice", metavar="文件夹", help="在此文件夹写出公告（.docx，个人信息已脱敏）和过程记录。")]
RecordOpt = Annotated[Optional[Path], typer.Option("--record", metavar="文件.docx", help="写出抽查过程记录（.docx，含见证人签字栏）。")]


def register(app: typer.Typer) -> None:
    sample_app = group(help="“双随机”抽取督查企业和执法人员：满足配额、可复算、可验证。", invoke_without_command=True,
                       epilog="zjsafety sample plan --level 县级 --scope 西湖区 --year 2019 --commit-seed 2019-县级-第1批 --notice 公告\n"
                              "zjsafety sample --from-plan 1 --seed 2019-县级-第1批 --xlsx 抽查任务.xlsx --notice 公告\n"
                              "zjsafety sample verify 2 --expect-head 公布的最新哈希\n"
                              "zjsafety sample export 2 --dir 公开材料")
    app.add_typer(sample_app, name="sample")

    @sample_app.callback(invoke_without_command=True)
    def sample(
        ctx: typer.Context, level: LevelOpt = "county", scope: ScopeOpt = None, year: YearOpt = None,
        seed: Annotated[Optional[str], typer.Option("--seed", metavar="种子", help="随机种子，如“2019-县级-第1批”；公开后任何人可复算。")] = None,
        plan_id: Annotated[Optional[int], typer.Option("--from-plan", metavar="计划编号", help="按事先公布的抽查计划抽取（用计划的名录和参数，种子须与承诺相符）。")] = None,
        rate: RateOpt = None, spares: SparesOpt = 0, exclude_months: ExcludeOpt = None, risk_weighted: WeightOpt = False,
        sector: SectorOpt = None,
        reason: Annotated[Optional[str], typer.Option("--reason", metavar="原因", help="重新抽取同一批次时必须说明原因。")] = None,
        as_of: AsOfOpt = None, pack: PlanOpt = None, no_inspectors: NoInspOpt = False,
        allow_unknown_conflicts: UnknownOpt = False, xlsx: XlsxOpt = None, notice: NoticeOpt = None, record: RecordOpt = None,
        db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False, wait: WaitOpt = None,
    ) -> None:
        """抽取督查企业（并随机选派执法人员），保存抽取记录并写出任务清单、公告；子命令 plan、verify、export、list。"""
        if ctx.invoked_subcommand:
            return
        from zjsafety.sampling import notices
        from zjsafety.sampling.draw import draw
        from zjsafety.commands.render import sample_table
        run = Run(db, as_json, debug, wait)
        day = run.as_of(as_of)
        with run.open_db() as conn:
            # every paper's path checked before anything is drawn
            xlsx = run.check_output(xlsx, conn) if xlsx else None
            record = run.check_output(record, conn) if record else None
            notice = run.place(notice) if notice else None
            notices.check_targets(None, notice, None)
            d = draw(conn, level=choice(level, labels.LEVEL, "--level"), scope=run.scope(scope), year=year or day.year,
                     seed=seed, rate=rate, spares=spares, exclude_months=exclude_months, risk_weighted=risk_weighted,
                     sectors=sector, reason=reason, as_of=day, inspectors=not no_inspectors, plan=run.plan(pack),
                     plan_id=plan_id, allow_unknown_conflicts=allow_unknown_conflicts,
                     stage=lambda d: notices.stage(conn, d, xlsx=xlsx, notice_dir=notice, record_path=record))
        if run.json:
            print_json({**d.to_dict(), "papers": [str(p) for p in d.papers],
                        "nothing_drawn": d.row["kind"] == "draw" and not d.result.get("selected")})
        else:
            sample_table(d.to_dict())
            if not d.result.get("selected") and not d.reused:
                out.print(f"[yellow]本年度{labels.level(d.row['level'])}督查已满配额（已覆盖 {d.result.get('covered', 0)} 家，"
                          f"配额 {d.row['quota']} 家），本次没有抽到企业：抽取记录已保存（编号 {d.id}），"
                          f"未写出任务清单和公告。[/yellow]")
            for p in d.papers:
                out.print(f"已写出：{p}")
            if d.reused:
                out.print(f"[yellow]本批次已于 {d.row['created_at'][:10]} 抽取（编号 {d.id}），名录和参数未变，结果相同，未重复保存。[/yellow]")

    @command(sample_app, "plan", examples="""
zjsafety sample plan --level 县级 --scope 西湖区 --year 2019 --commit-seed 2019-县级-第1批 --notice 公告
zjsafety sample plan --level 市级 --scope 杭州市 --commit-public "2019年1月20日福利彩票双色球开奖号码" --public-date 2019-01-20
""")
    def plan_(
        level: LevelOpt = "county", scope: ScopeOpt = None, year: YearOpt = None, rate: RateOpt = None,
        spares: SparesOpt = 0, exclude_months: ExcludeOpt = None, risk_weighted: WeightOpt = False, sector: SectorOpt = None,
        as_of: AsOfOpt = None, pack: PlanOpt = None, no_inspectors: NoInspOpt = False,
        allow_unknown_conflicts: UnknownOpt = False,
        commit_seed: Annotated[Optional[str], typer.Option("--commit-seed", metavar="种子", help="承诺的种子：只保存并公布它的 SHA-256，种子本身要到抽取时才公开。")] = None,
        commit_sha256: Annotated[Optional[str], typer.Option("--commit-sha256", metavar="哈希", help="承诺种子的 SHA-256（种子由别处保管）。")] = None,
        commit_public: Annotated[Optional[str], typer.Option("--commit-public", metavar="来源", help="以将来公布的公开随机数为种子，如“2019年1月20日福利彩票双色球开奖号码”。")] = None,
        public_date: Annotated[Optional[str], typer.Option("--public-date", metavar="日期", help="该公开随机数公布的日期。")] = None,
        notice: NoticeOpt = None,
        db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False, wait: WaitOpt = None,
    ) -> None:
        """抽取之前公布抽查计划：记录名录（及其指纹）和对种子的承诺，写出抽查计划公告。"""
        from zjsafety.sampling import notices
        from zjsafety.sampling.draw import plan, request
        run = Run(db, as_json, debug, wait)
        day = run.as_of(as_of)
        req = request(level=choice(level, labels.LEVEL, "--level"), scope=run.scope(scope), year=year or day.year,
                      as_of=day, rate=rate, spares=spares, exclude_months=exclude_months, risk_weighted=risk_weighted,
                      sectors=sector, inspectors=not no_inspectors, plan=run.plan(pack),
                      allow_unknown_conflicts=allow_unknown_conflicts)
        with run.open_db() as conn:
            notice = run.place(notice) if notice else None
            notices.check_targets(None, notice, None)
            p = plan(conn, req, commit_seed=commit_seed, commit_sha256=commit_sha256, commit_public=commit_public,
                     public_date=parse_day(public_date, "--public-date"))
            written = notices.write_papers(conn, p, notice_dir=notice) if notice else []
        if run.json:
            print_json({**p.to_dict(), "papers": [str(x) for x in written]})
        else:
            out.print(f"[bold]抽查计划编号 {p.id}[/bold]：名录 {p.row['frame_size']} 家（指纹 {p.row['frame_sha256']}），"
                      f"配额 {p.row['quota']}；承诺 {p.row['commitment']}")
            out.print(f"记录哈希 {p.row['hash']}；抽取时：zjsafety sample --from-plan {p.id} --seed 种子")
            for x in written:
                out.print(f"已写出：{x}")

    @command(sample_app, "verify", examples="""
zjsafety sample verify 2
zjsafety sample verify 2 --expect-head 3f5a…（最新公告上的记录哈希）
zjsafety sample verify 2 --frame 名录.jsonl
zjsafety sample verify 2 --papers 公开材料      只凭导出的公开材料复核（不用数据库）
zjsafety sample verify --all
""")
    def verify(
        draw_id: Annotated[Optional[int], typer.Argument(metavar="抽取编号", help="抽取编号（zjsafety sample list 可查）。")] = None,
        all_: Annotated[bool, typer.Option("--all", help="检查全部记录和整条哈希链。")] = False,
        expect_head: Annotated[Optional[str], typer.Option("--expect-head", metavar="哈希", help="最近公布的最后一条记录的哈希：发现末尾记录被删除或改写。")] = None,
        frame: Annotated[Optional[Path], typer.Option("--frame", metavar="名录文件", help="公布的名录文件（.jsonl/.csv/.xlsx），核对它的指纹。")] = None,
        papers: Annotated[Optional[Path], typer.Option("--papers", metavar="文件夹", help="只凭 zjsafety sample export 写出的公开材料复核，不用数据库。")] = None,
        db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False,
    ) -> None:
        """由种子和保存的名录重算抽取结果，检查记录哈希和记录链；不一致时退出码为 1。"""
        from zjsafety.core.errors import UsageError
        from zjsafety.sampling.verify import verify as run_verify, verify_all
        run = Run(db, as_json, debug)
        if (draw_id is None) == (not all_):
            raise UsageError("请给出抽取编号，或用 --all 检查全部记录。")
        if papers is not None:
            from zjsafety.sampling.verify import verify_papers
            if draw_id is None:
                raise UsageError("--papers 需要给出抽取编号。")
            v = verify_papers(papers, draw_id)
        else:
            with run.open_db() as conn:
                v = verify_all(conn, expect_head=expect_head) if all_ else \
                    run_verify(conn, draw_id, expect_head=expect_head, frame_file=frame)
        if run.json:
            print_json(v.to_dict())
        else:
            for what, ok, detail in v.checks:
                out.print(f"{'[green]✓[/green]' if ok else '[red]✗[/red]'} {what}：{detail}")
            for c in v.changes:
                out.print(f"[dim]（抽取后数据库中的变化，仅供参考）{c}[/dim]")
            out.print("[green]复核通过[/green]" if v.ok else "[bold red]复核未通过[/bold red]")
        raise typer.Exit(0 if v.ok else 1)

    @command(sample_app, "export", examples="""
zjsafety sample export 2 --dir 公开材料
""")
    def export(
        draw_id: Annotated[int, typer.Argument(metavar="抽取编号", help="抽取或计划的编号。")],
        folder: Annotated[Path, typer.Option("--dir", metavar="文件夹", help="写到这个文件夹。")] = Path("抽查公开材料"),
        db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False,
    ) -> None:
        """写出一次抽取的公开材料：名录（.jsonl 供复算，.csv/.xlsx 供查阅）、抽取记录和参数（含执法人员名录，不含身份证号和电话）、任务清单、公告和过程记录。"""
        from zjsafety.core.paths import check_folder
        from zjsafety.sampling import notices
        from zjsafety.sampling.draw import get
        from zjsafety.sampling.export import write_entry, write_frame
        run = Run(db, as_json, debug)
        with run.open_db() as conn:
            d = get(conn, draw_id)
            folder = run.place(folder)
            check_folder(folder)
            tag = f"{d.row['year']}_{labels.level(d.row['level'])}_第{d.id}号"
            written = write_frame(d.frame, folder, f"抽查名录_{tag}")
            written += write_entry(d.row, folder, f"抽取记录_{tag}")
            written += notices.write_papers(conn, d, notice_dir=folder,
                                            xlsx=folder / f"抽查任务_{tag}.xlsx" if d.row["kind"] == "draw" else None)
        if run.json:
            print_json({"id": d.id, "files": [str(x) for x in written]})
        else:
            for x in written:
                out.print(f"已写出：{x}")

    @command(sample_app, "list", examples="""
zjsafety sample list
""")
    def list_(db: DbOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
        """列出全部抽查计划和抽取记录（含重新抽取及其原因、抽中企业的检查进度）。"""
        from zjsafety.sampling.listing import listing
        from zjsafety.commands.render import draws_table
        run = Run(db, as_json, debug)
        with run.open_db() as conn:
            rows = listing(conn)
        if run.json:
            print_json(rows)
        else:
            draws_table(rows)
