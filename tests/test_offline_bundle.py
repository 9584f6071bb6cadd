"""The offline bundle: built for the running platform and installed with no index but its own
wheels, then the demo run from the result; for the other platforms, every resolved requirement
has its wheel in the zip. Needs PyPI to download the wheels (as the README's install does)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import offline_bundle as ob  # noqa: E402

PY = f"{sys.version_info.major}.{sys.version_info.minor}"
HERE = {"Linux-x86_64": "manylinux_x86_64", "Linux-aarch64": "manylinux_aarch64",
        "Windows-AMD64": "win_amd64"}.get(f"{platform.system()}-{platform.machine()}")

pytestmark = pytest.mark.skipif(PY not in ob.PYTHONS, reason=f"bundles are for Python {ob.PYTHONS}")


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    platforms = sorted(ob.PLATFORMS)
    args = [a for p in platforms for a in ("--platform", p)] + ["--python", PY, "-o", str(out)]
    assert ob.main(args) == 0
    return {p: next(out.glob(f"zjsafety-*-offline-{p}.zip")) for p in platforms}


def test_every_resolved_requirement_has_its_wheel_in_each_zip(bundles, tmp_path):
    for plat, zip_path in bundles.items():
        assert zip_path.stat().st_size < 100 * 2**20, f"{plat}: {zip_path.stat().st_size / 2**20:.0f} MB"
        folder = tmp_path / plat
        with zipfile.ZipFile(zip_path) as z:
            z.extractall(folder)
        root = next(folder.iterdir())
        names = {p.name for p in (root / "wheels").iterdir()}
        # resolved again here, from the unpacked wheels alone, for that platform
        assert set(ob.resolved(root / "wheels", plat, PY)) <= names
        bundle = json.loads((root / "bundle.json").read_text(encoding="utf-8"))
        assert bundle["platform"] == plat and set(bundle["wheels"][PY]) <= names
        assert (root / "离线安装说明.txt").is_file()
        scripts = {"install.bat", "运行演示.bat"} if plat.startswith("win") else {"install.sh", "运行演示.sh"}
        assert scripts <= {p.name for p in root.iterdir()}
        if plat.startswith("win"):
            assert b"\r\n" in (root / "install.bat").read_bytes()


@pytest.mark.skipif(HERE is None or HERE.startswith("win"), reason="installs with install.sh")
def test_the_bundle_for_this_machine_installs_with_no_index_and_runs_the_demo(bundles, tmp_path):
    with zipfile.ZipFile(bundles[HERE]) as z:
        z.extractall(tmp_path)
    root = next(p for p in tmp_path.iterdir() if p.is_dir())
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_NO_INDEX="1", PYTHON=sys.executable, HOME=str(tmp_path))
    p = subprocess.run(["sh", str(root / "install.sh")], env=env, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout + p.stderr
    exe = root / "venv" / "bin" / "zjsafety"
    v = subprocess.run([str(exe), "--version"], capture_output=True, text=True, env=env, timeout=120)
    assert root.name in v.stdout and "离线安装包" in v.stdout
    p = subprocess.run(["sh", str(root / "运行演示.sh")], env=env, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout + p.stderr
    assert (tmp_path / "zjsafety-演示" / "demo.db").is_file()
    # installing again (an upgrade) keeps what is in the working folder
    before = (tmp_path / "zjsafety-演示" / "demo.db").read_bytes()
    p = subprocess.run(["sh", str(root / "install.sh")], env=env, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0 and (tmp_path / "zjsafety-演示" / "demo.db").read_bytes() == before


def test_the_windows_bundle_is_resolved_with_windows_markers(bundles, tmp_path):
    """typer needs colorama on Windows (`colorama; platform_system == "Windows"`): pip, run on
    Linux, drops it; the bundle is resolved with each platform's own markers, and checked so."""
    with zipfile.ZipFile(bundles["win_amd64"]) as z:
        z.extractall(tmp_path)
    wheels = next(tmp_path.iterdir()) / "wheels"
    assert any(p.name.lower().startswith("colorama-") for p in wheels.iterdir())
    assert ob.missing(wheels, "win_amd64", PY) == []
    for p in wheels.glob("colorama-*"):
        p.unlink()
    assert [m.split(">")[0].split("=")[0].strip().lower() for m in ob.missing(wheels, "win_amd64", PY)] == ["colorama"]
    assert ob.missing(wheels, "manylinux_x86_64", PY) != []  # (a Windows bundle holds Windows wheels)
