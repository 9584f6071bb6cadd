"""Import benchmark: hazard ledgers of 100k and 500k rows (20 columns, Chinese text, real date
cells), the enterprises they name imported first. For each size it prints rows/s and peak RSS
of `zjsafety import`, of the raw read of the same file by calamine, and of the pandas one-liner a
user would otherwise write — `pandas.read_excel(engine="calamine")` then `DataFrame.to_sql`, no
validation at all — with the ratios (pandas from the `bench` extra: pip install '.[bench]'; the
peer is left out when pandas is not installed).

    python bench/import_bench.py                 # 100k and 500k, 3 rounds each
    python bench/import_bench.py --sizes 100000 --rounds 5
    python bench/import_bench.py --shared-strings   # text in a shared-strings table, as Excel/WPS save it

The targets: import no slower than the pandas one-liner, peak RSS at most the raw read's.
`again s` is the same ledger imported a second time into the same database (every row found
stored and unchanged), as a clerk imports this month's copy of a cumulative ledger.
Generated files are cached in bench/out/. Each measurement is a whole process; its peak RSS is
the kernel's (wait4). A round is one raw read then one import into a fresh copy of the database
holding the enterprises, so both see the machine in the same state; the table gives the median
of the rounds (and the ratio of the medians), because a shared machine's speed drifts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).parent / "out"
N_ENTERPRISES = 20_000
DESCR = ["消防通道堵塞，疏散指示标志损坏", "配电箱未接地，电线私拉乱接", "危化品储存超量且未分类存放", "安全出口锁闭",
         "未设置安全警示标志", "脚手架未设连墙件", "叉车司机无证上岗", "燃气管道腐蚀泄漏风险", "电梯维保记录缺失",
         "车辆超载运输，未按规定路线行驶", "有限空间作业未审批", "粉尘涉爆场所除尘系统不符合要求"]
TOWNS = ["三墩镇", "蒋村街道", "留下街道", "转塘街道", "双浦镇", "文新街道", "古荡街道"]
SECTORS = ["工矿商贸", "建设施工", "道路交通", "危险化学品", "消防", "特种设备"]
HEAD = ["序号", "隐患编号", "企业名称", "统一社会信用代码", "所属县（市、区）", "乡镇（街道）", "行业领域", "发现日期",
        "隐患描述", "隐患类别", "隐患级别", "发现途径", "整改情况", "整改期限", "整改完成日期", "验收日期",
        "是否挂牌督办", "挂牌级别", "向监管部门报告", "向职代会报告"]


def enterprises() -> list[tuple[str, str]]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from zjsafety.demo import make_uscc
    rng = random.Random(1)
    codes: dict[str, None] = {}
    while len(codes) < N_ENTERPRISES:
        codes[make_uscc(rng)] = None
    return [(f"杭州测试企业{i:05d}有限公司", c) for i, c in enumerate(codes)]


def write_enterprises(path: Path, ents) -> None:
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("企业")
    ws.append(["企业名称", "统一社会信用代码", "所属县（市、区）", "乡镇（街道）", "行业领域", "是否规上"])
    rng = random.Random(2)
    for name, uscc in ents:
        ws.append([name, uscc, "西湖区", rng.choice(TOWNS), rng.choice(SECTORS), rng.choice("是否")])
    wb.save(path)


def write_hazards(path: Path, n: int, ents) -> None:
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("隐患排查治理台账")
    ws.append(HEAD)
    rng = random.Random(n)
    d0 = date(2017, 7, 1)
    for i in range(n):
        name, uscc = ents[rng.randrange(len(ents))]
        found = d0 + timedelta(days=rng.randrange(900))
        major = rng.random() < 0.05
        status = rng.choice(["已整改", "整改中", "未整改", "已验收销号"])
        done = found + timedelta(days=rng.randrange(3, 60)) if status in ("已整改", "已验收销号") else None
        ws.append([i + 1, f"XH{i:07d}", name, uscc, "西湖区", rng.choice(TOWNS), rng.choice(SECTORS), found,
                   rng.choice(DESCR), rng.choice(["设备设施", "作业环境", "安全管理", "人员行为"]),
                   "重大" if major else "一般", rng.choice(["企业自查", "部门检查", "群众举报"]), status,
                   found + timedelta(days=30), done, done if status == "已验收销号" else None,
                   "是" if major else "否", "区级" if major else None, "是" if major else None,
                   "是" if major else None])
    wb.save(path)


def run_child(cmd: list[str]) -> tuple[float, float, int, str]:
    """Wall time, peak memory in MiB, exit code and output of a command."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    return wall, ru.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


RAW_READ = """
import sys, python_calamine as pc
wb = pc.CalamineWorkbook.from_path(sys.argv[1])
n = 0
for row in wb.get_sheet_by_index(0).iter_rows():
    n += 1
print(n)
"""


PANDAS = """
import sqlite3, sys, pandas as pd
df = pd.read_excel(sys.argv[1], engine="calamine")
con = sqlite3.connect(sys.argv[2])
df.to_sql("hazard", con, index=False)
con.commit()
print(len(df))
"""


def has_pandas() -> bool:
    return subprocess.run([sys.executable, "-c", "import pandas"], capture_output=True).returncode == 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 500_000])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--shared-strings", action="store_true",
                    help="ledgers saved as Excel/WPS save them (a shared-strings table), not inline text")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    ent_file = OUT / "enterprises.xlsx"
    ledgers = {n: OUT / (f"hazards_sst_{n}.xlsx" if args.shared_strings else f"hazards_{n}.xlsx") for n in args.sizes}
    if not ent_file.exists() or not all(f.exists() for f in ledgers.values()):
        ents = enterprises()
        if not ent_file.exists():
            write_enterprises(ent_file, ents)
        for n, f in ledgers.items():
            inline = OUT / f"hazards_{n}.xlsx"
            if not inline.exists():
                write_hazards(inline, n, ents)
            if f != inline and not f.exists():
                # the test suite's converter (one copy); imported only here, before the re-exec
                # below, so the measuring process stays small
                sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
                from ledgers import to_shared_strings
                to_shared_strings(inline, f)
        # measure from a fresh, small process: a child's peak RSS counts what it inherited
        # from this one before exec, and generating 500k rows takes ~1 GB here
        os.execv(sys.executable, [sys.executable, *sys.argv])
    exe = [sys.executable, "-m", "zjsafety"]
    base = OUT / "base.db"  # the enterprises, imported once
    if base.exists():
        base.unlink()
    wall, rss, rc, out = run_child(exe + ["--db", str(base), "import", str(ent_file), "--json"])
    assert rc == 0, out[-2000:]
    peer = has_pandas()
    print(f"{'rows':>8} {'raw s':>7} {'raw MiB':>8} {'pandas s':>9} {'pandas MiB':>11} {'import s':>9} "
          f"{'import rows/s':>14} {'import MiB':>11} {'vs pandas':>10} {'RSS ratio':>10} {'again s':>8}"
          "  import s per round"
          + ("" if peer else "   (pandas not installed: pip install '.[bench]')"))
    for n, f in ledgers.items():
        db = OUT / f"bench_{n}.db"
        raws, imps, pandas, agains = [], [], [], []
        for _ in range(args.rounds):
            raws.append(run_child([sys.executable, "-c", RAW_READ, str(f)]))
            assert raws[-1][2] == 0, raws[-1][3]
            if peer:
                target = OUT / f"pandas_{n}.db"
                target.unlink(missing_ok=True)
                pandas.append(run_child([sys.executable, "-c", PANDAS, str(f), str(target)]))
                assert pandas[-1][2] == 0, pandas[-1][3][-2000:]
            shutil.copyfile(base, db)
            imps.append(run_child(exe + ["--db", str(db), "import", str(f), "--json"]))
            assert imps[-1][2] in (0, 1), imps[-1][3][-2000:]
            # a fast run must be a whole one: every row read and stored
            assert f'"inserted": {n},' in imps[-1][3], imps[-1][3][-2000:]
            # the same ledger again, as a clerk imports this month's copy: every row found stored
            agains.append(run_child(exe + ["--db", str(db), "import", str(f), "--json"]))
            assert f'"unchanged": {n},' in agains[-1][3], agains[-1][3][-2000:]
        raw_wall = statistics.median(r[0] for r in raws)
        raw_rss = max(r[1] for r in raws)
        wall = statistics.median(r[0] for r in imps)
        rss = max(r[1] for r in imps)
        rate = n / wall
        p_wall = statistics.median(r[0] for r in pandas) if pandas else None
        p_rss = max(r[1] for r in pandas) if pandas else None
        rounds = " ".join(f"{r[0]:.2f}" for r in imps)
        pcols = f"{p_wall:>9.2f} {p_rss:>11.0f}" if pandas else f"{'—':>9} {'—':>11}"
        vs = f"{wall / p_wall:>9.2f}x" if pandas else f"{'—':>10}"
        again = statistics.median(r[0] for r in agains)
        print(f"{n:>8} {raw_wall:>7.2f} {raw_rss:>8.0f} {pcols} {wall:>9.2f} {rate:>14,.0f} "
              f"{rss:>11.0f} {vs} {rss / raw_rss:>10.2f} {again:>8.2f}  {rounds}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
