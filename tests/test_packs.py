"""The plan is data: a second, made-up pack audits with its own ids, thresholds and windows,
through the library and the CLI; a pack missing a setting is refused, naming it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import Cli
from ledgers import county_ledgers
from zjsafety.core.errors import UsageError
from zjsafety.rules.audit import run
from zjsafety.rules.pack import load_pack
from zjsafety.store import connect

PACK = '''
plan = "zj-made-up-2021-2023"
title = "某市安全生产专项整治三年行动（虚构）"
milestones = "zj-2017-2020"
base_year = 2017
first_year = 2018
last_year = 2019

[[rule]]
id = "screen-2018"
type = "screening_coverage"
clause = "三(一)"
title = "重点行业企业排查覆盖率"
target = 0.5
sectors = ["工矿商贸", "道路交通"]
window_start = 2017-08-01

[[rule]]
id = "quota-2018"
type = "supervision_quota"
clause = "三(二)"
title = "县级督查比例"
levels = { county = 0.2 }

[[rule]]
id = "accidents-2019"
type = "accident_reduction"
clause = "二"
title = "事故下降"
base_year = 2017
target_year = 2019
accidents = 0.1
deaths = 0.1
death_rate = 0.1

[[section]]
name = "排查"
clause = "三"
rules = ["screen-2018", "quota-2018"]

[[section]]
name = "事故"
clause = "二"
rules = ["accidents-2019"]
chart = "trend"

[report]
progress_rules = ["screen-2018"]
'''


@pytest.fixture
def made_up(tmp_path) -> Path:
    p = tmp_path / "虚构规则包.toml"
    p.write_text(PACK, encoding="utf-8")
    return p


def test_a_made_up_pack_audits_with_its_own_rules_and_thresholds(tmp_path, made_up):
    cli = Cli(tmp_path / "c.db")
    assert cli("import", *county_ledgers(tmp_path), "--county", "330106").exit_code == 0
    conn = connect(cli.db)
    rep = run(conn, "330106", date(2018, 12, 31), plan=made_up)
    conn.close()
    assert rep.plan == "zj-made-up-2021-2023" and {r.rule for r in rep.results} == {"screen-2018", "quota-2018",
                                                                                     "accidents-2019"}
    screen = {r.sector: r for r in rep.results if r.rule == "screen-2018"}
    # from 2017-08-01: 工矿商贸 E1 (screened 2017-08-01) and E2 (2017-09-01); 道路交通 E4, closed on
    # 2017-10-01, inside the window, and never screened. E3 closed before it; E5 is in 下城区.
    assert (screen["工矿商贸"].numerator, screen["工矿商贸"].denominator, screen["工矿商贸"].status) == (2, 2, "pass")
    assert (screen["道路交通"].numerator, screen["道路交通"].denominator, screen["道路交通"].target) == (0, 1, 0.5)
    quota = [r for r in rep.results if r.rule == "quota-2018"]
    assert {r.level for r in quota} == {"county"} and quota[0].target == 0.2
    acc = next(r for r in rep.results if r.rule == "accidents-2019" and r.level == "accidents")
    assert acc.status == "n/a"  # no 2017 base figures in the ledgers: said, not guessed
    _, data = cli.json("audit", "--scope", "西湖区", "--as-of", "2018-12-31", "--plan", made_up)
    assert data["plan_title"] == "某市安全生产专项整治三年行动（虚构）"
    assert [r["rule"] for r in data["results"]][0] == "screen-2018"
    r = cli("report", "--scope", "西湖区", "--as-of", "2019-06-30", "--plan", made_up, "-o", tmp_path / "r.md")
    assert r.exit_code == 0 and "重点行业企业排查覆盖率" in (tmp_path / "r.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("old, new, named", [
    ('target = 0.5\n', '', "target"),
    ('levels = { county = 0.2 }\n', '', "levels"),
    ('[report]\nprogress_rules = ["screen-2018"]\n', '', "report.progress_rules"),
    ('base_year = 2017\nfirst_year', 'first_year', "base_year"),
    ('rules = ["accidents-2019"]', 'rules = ["accidents-2018"]', "accidents-2018"),
])
def test_a_pack_missing_a_setting_is_refused_naming_it(tmp_path, old, new, named):
    text = PACK.replace(old, new, 1)
    assert text != PACK
    p = tmp_path / "缺设置.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as e:
        load_pack(p)
    assert named in e.value.message
    cli = Cli(tmp_path / "x.db")
    r = cli("audit", "--scope", "西湖区", "--plan", p)
    assert r.exit_code == 2 and named in r.stderr
