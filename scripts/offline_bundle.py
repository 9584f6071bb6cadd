"""Offline install bundles for office PCs that cannot reach a package index.

    python scripts/offline_bundle.py                     # every platform, Python 3.11-3.13, into dist/
    python scripts/offline_bundle.py --platform win_amd64 --python 3.11 -o dist/

One zip per platform: zjsafety's wheel, the wheel of every dependency (the browse extra too) for
each Python version, install and demo scripts, and 离线安装说明.txt. Complete by construction: the
requirements are resolved for each platform and Python version against the bundle's own wheels
only, with that platform's environment markers (pip evaluates them for the build machine, so a
Windows-only dependency such as colorama would be left out), and the build fails, naming the
package, if a wheel is missing. Needs a machine that reaches PyPI (to download the wheels) and pip >= 23.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORMS = {  # our name -> pip's platform tags that such a machine accepts
    "win_amd64": ["win_amd64"],
    # glibc 2.28: 统信UOS 20, 麒麟 V10 and Debian 10 or newer
    "manylinux_x86_64": ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"],
    "manylinux_aarch64": ["manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"],
}
PYTHONS = ["3.11", "3.12", "3.13"]
REQUIREMENT = "zjsafety[browse]"


class BundleError(Exception):
    pass


def run(cmd: list[str], what: str) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        missing = [line for line in p.stderr.splitlines() if "No matching distribution" in line
                   or "Could not find a version" in line]
        raise BundleError(f"{what} failed: " + ("; ".join(missing) or p.stderr.strip()[-2000:]))
    return p


def pip_target(platform: str, python: str) -> list[str]:
    tags = [a for t in PLATFORMS[platform] for a in ("--platform", t)]
    return [*tags, "--python-version", python, "--implementation", "cp", "--only-binary=:all:"]


def project_wheel(out: Path) -> Path:
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(ROOT)], "building zjsafety's wheel")
    return next(out.glob("zjsafety-*.whl"))


# the environment markers of each platform: pip evaluates a dependency's markers for the machine it
# runs on (colorama; platform_system == "Windows" is dropped on Linux), so the closure is taken here
MARKERS = {
    "win_amd64": {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64"},
    "manylinux_x86_64": {"os_name": "posix", "sys_platform": "linux", "platform_system": "Linux",
                         "platform_machine": "x86_64"},
    "manylinux_aarch64": {"os_name": "posix", "sys_platform": "linux", "platform_system": "Linux",
                          "platform_machine": "aarch64"},
}


def _packaging():
    try:
        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name
        from packaging.version import Version
    except ImportError:  # pip carries its own copy
        from pip._vendor.packaging.requirements import Requirement
        from pip._vendor.packaging.utils import canonicalize_name
        from pip._vendor.packaging.version import Version
    return Requirement, canonicalize_name, Version


def environment(platform: str, python: str) -> dict[str, str]:
    return {**MARKERS[platform], "python_version": python, "python_full_version": f"{python}.0",
            "implementation_name": "cpython", "platform_python_implementation": "CPython",
            "implementation_version": f"{python}.0", "platform_release": "", "platform_version": ""}


def _wheel_meta(path: Path) -> tuple[str, str, list[str]]:
    """(name, version, Requires-Dist lines) of a wheel."""
    with zipfile.ZipFile(path) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        text = z.read(meta).decode("utf-8")
    head = text.split("\n\n", 1)[0]
    fields = [line.split(": ", 1) for line in head.splitlines() if ": " in line]
    get = {k: v for k, v in fields}
    return get["Name"], get["Version"], [v for k, v in fields if k == "Requires-Dist"]


def _fits(wheel: Path, platform: str, python: str) -> bool:
    """A wheel this platform and Python can install (by its file name's tags)."""
    _, _, tags = wheel.stem.split("-", 2)[0], None, wheel.stem.split("-")[-3:]
    pyt, abi, plat = tags
    pyver = "cp" + python.replace(".", "")
    plat_ok = plat == "any" or any(t in plat.split(".") for t in PLATFORMS[platform])
    py_ok = any(t in ("py3", pyver) or (t.startswith("cp3") and abi == "abi3" and int(t[3:]) <= int(pyver[3:]))
                for t in pyt.split("."))
    return plat_ok and py_ok


def missing(wheels: Path, platform: str, python: str) -> list[str]:
    """The requirements of zjsafety[browse] and everything it needs, with the platform's own
    markers, that no wheel of the bundle for this platform and Python satisfies."""
    Requirement, canon, Version = _packaging()
    env = environment(platform, python)
    have: dict[str, list[tuple]] = {}
    for w in wheels.glob("*.whl"):
        if _fits(w, platform, python):
            name, version, reqs = _wheel_meta(w)
            have.setdefault(canon(name), []).append((Version(version), reqs))
    todo, seen, absent = [(Requirement(REQUIREMENT), "")], set(), []
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({**env, "extra": extra}):
            continue
        key = (canon(req.name), str(req.specifier), tuple(sorted(req.extras)))
        if key in seen:
            continue
        seen.add(key)
        fit = [r for v, r in have.get(canon(req.name), []) if req.specifier.contains(v, prereleases=True)]
        if not fit:
            absent.append(str(req).split(";")[0].strip())
            continue
        for line in fit[0]:
            todo += [(Requirement(line), e) for e in ([""] + sorted(req.extras))]
    return sorted(set(absent))


def resolved(wheels: Path, platform: str, python: str) -> list[str]:
    """The files of the bundle this platform and Python install, checked complete with the
    platform's own markers; the build fails, naming what is absent."""
    absent = missing(wheels, platform, python)
    if absent:
        raise BundleError(f"{platform} / Python {python}: not in the bundle: {', '.join(absent)}")
    return sorted(w.name for w in wheels.glob("*.whl") if _fits(w, platform, python))


def complete(wheels: Path, platform: str, python: str) -> None:
    """Download, wheel by wheel, what the platform's markers add (colorama on Windows) until
    the closure is whole: pip's own resolver saw only the build machine's markers."""
    for _ in range(10):
        absent = missing(wheels, platform, python)
        if not absent:
            return
        for req in absent:
            run([sys.executable, "-m", "pip", "download", "--quiet", "-d", str(wheels), *pip_target(platform, python),
                 req], f"downloading {req} for {platform} / Python {python}")


def scripts(version: str) -> dict[str, str]:
    unix_install = f"""#!/bin/sh
# zjsafety {version}: offline install into ./venv next to this file (no network needed)
set -e
here="$(cd "$(dirname "$0")" && pwd)"
ok='import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)'
PY="${{PYTHON:-}}"
if [ -z "$PY" ]; then
  for c in python3.13 python3.12 python3.11 python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c "$ok" 2>/dev/null; then PY="$c"; break; fi
  done
fi
if [ -z "$PY" ] || ! "$PY" -c "$ok"; then
  echo "需要 Python 3.11、3.12 或 3.13（请先从单位的软件中心安装 Python）。"; exit 1
fi
"$PY" -m venv "$here/venv"
"$here/venv/bin/python" -m pip install --no-index --find-links "$here/wheels" --upgrade --quiet "{REQUIREMENT}"
cp "$here/bundle.json" "$here/venv/zjsafety-bundle.json"
echo "安装完成。运行：$here/venv/bin/zjsafety --help"
"""
    unix_demo = """#!/bin/sh
here="$(cd "$(dirname "$0")" && pwd)"
cd "$HOME" && "$here/venv/bin/zjsafety" demo --dir zjsafety-演示
"""
    win_install = f"""@echo off
chcp 65001 >nul
rem zjsafety {version}: offline install into .\\venv next to this file (no network needed)
setlocal
set "HERE=%~dp0"
set "PY="
for %%v in (3.13 3.12 3.11) do if not defined PY (py -%%v -c "" >nul 2>nul && set "PY=py -%%v")
if not defined PY (python -c "import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)" >nul 2>nul && set "PY=python")
if not defined PY (
  echo 需要 Python 3.11、3.12 或 3.13（请先从单位的软件中心安装 Python）。
  pause
  exit /b 1
)
%PY% -m venv "%HERE%venv" || goto fail
"%HERE%venv\\Scripts\\python.exe" -m pip install --no-index --find-links "%HERE%wheels" --upgrade --quiet "{REQUIREMENT}" || goto fail
copy /y "%HERE%bundle.json" "%HERE%venv\\zjsafety-bundle.json" >nul
echo 安装完成。运行：%HERE%venv\\Scripts\\zjsafety.exe --help
pause
exit /b 0
:fail
echo 安装失败，请把上面的信息发给维护人员。
pause
exit /b 1
"""
    win_demo = """@echo off
chcp 65001 >nul
cd /d "%USERPROFILE%"
"%~dp0venv\\Scripts\\zjsafety.exe" demo --dir zjsafety-演示
pause
"""
    guide = f"""zjsafety {version} 离线安装说明

本安装包不需要联网，适用于不能访问软件源的办公电脑。

一、先安装 Python（3.11、3.12 或 3.13）
  从单位的软件中心（或信息化部门）安装 Python。Windows 安装时勾选“Add python.exe to PATH”。

二、安装 zjsafety
  把本压缩包解压到一个固定的文件夹（如 D:\\zjsafety），然后：
  Windows：双击 install.bat
  统信UOS、麒麟等 Linux：在终端中运行 sh install.sh
  安装程序会在同一文件夹内建立 venv 子文件夹，程序装在其中。

三、试运行演示
  Windows：双击 运行演示.bat；Linux：sh 运行演示.sh
  演示会在您的用户文件夹下生成 zjsafety-演示 文件夹（台账、数据库、核查工作簿、报告）。

四、数据库放在哪里
  数据库（zjsafety.db）和设置文件（zjsafety.toml）放在您工作的文件夹（如 D:\\安全台账），
  不要放在安装文件夹里。在工作文件夹中运行：
    zjsafety init --scope 西湖区
  以后在该文件夹中运行的命令都会用这个数据库和设置。

五、升级
  把新的安装包解压到新的文件夹（或覆盖旧的安装文件夹），再运行一次 install.bat / install.sh。
  数据库和设置文件在您的工作文件夹中，升级不会动它们；新版本第一次打开旧数据库时会自动升级其结构。
  zjsafety --version 显示当前安装的是哪个安装包。
"""
    return {"install.sh": unix_install, "运行演示.sh": unix_demo, "install.bat": win_install,
            "运行演示.bat": win_demo, "离线安装说明.txt": guide}


def build(platform: str, pythons: list[str], out: Path, wheel: Path) -> Path:
    version = wheel.name.split("-")[1]
    name = f"zjsafety-{version}-offline-{platform}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / name
        wheels = root / "wheels"
        wheels.mkdir(parents=True)
        shutil.copy2(wheel, wheels / wheel.name)
        files: dict[str, list[str]] = {}
        for py in pythons:
            run([sys.executable, "-m", "pip", "download", "--quiet", "-d", str(wheels), *pip_target(platform, py),
                 f"{wheel}[browse]"], f"downloading the wheels for {platform} / Python {py}")
            complete(wheels, platform, py)
            files[py] = resolved(wheels, platform, py)
        bundle = {"bundle": name, "version": version, "platform": platform, "pythons": pythons,
                  "built": datetime.now(timezone.utc).isoformat(timespec="seconds"), "wheels": files}
        (root / "bundle.json").write_text(json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8")
        windows = platform.startswith("win")
        for fname, text in scripts(version).items():
            if fname.endswith(".bat") != windows and not fname.endswith(".txt"):
                continue
            data = text.replace("\n", "\r\n") if windows else text
            path = root / fname
            path.write_bytes(data.encode("utf-8"))
            if fname.endswith(".sh"):
                path.chmod(0o755)
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"{name}.zip"
        partial = target.with_suffix(".zip.part")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(root.rglob("*")):
                if f.is_file():
                    info = zipfile.ZipInfo.from_file(f, f.relative_to(root.parent).as_posix())
                    info.compress_type = zipfile.ZIP_DEFLATED
                    z.writestr(info, f.read_bytes())
        partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--platform", action="append", choices=sorted(PLATFORMS))
    ap.add_argument("--python", action="append", choices=PYTHONS)
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "dist")
    args = ap.parse_args(argv)
    platforms, pythons = args.platform or list(PLATFORMS), args.python or PYTHONS
    try:
        with tempfile.TemporaryDirectory() as tmp:
            wheel = project_wheel(Path(tmp))
            for platform in platforms:
                zip_path = build(platform, pythons, args.output, wheel)
                print(f"{zip_path}  {zip_path.stat().st_size / 2**20:.1f} MB")
    except BundleError as e:
        print(f"offline bundle: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
