"""A folder of a thousand ledgers imports under a limit of 256 open files: files are opened one
at a time, never all at once."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ledgers import write_csv

resource = pytest.importorskip("resource")  # the open-file limit is a POSIX notion


def test_a_thousand_ledgers_import_with_256_open_files(tmp_path):
    folder = tmp_path / "乡镇台账"
    folder.mkdir()
    for i in range(1000):
        write_csv(folder / f"企业_{i:04d}.csv", ["企业名称", "所属县（市、区）", "行业领域", "是否规上"],
                  [[f"杭州第{i:04d}号测试有限公司", "西湖区", "工矿商贸", "否"]])
    limit = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))  # noqa: E731
    p = subprocess.run([sys.executable, "-m", "zjsafety", "--db", str(tmp_path / "t.db"), "import", str(folder),
                        "--json"], capture_output=True, timeout=600, preexec_fn=limit)
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")[-2000:]
    data = json.loads(p.stdout)
    assert len(data["files"]) == 1000 and sum(f["inserted"] for f in data["files"]) == 1000
