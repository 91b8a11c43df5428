"""Lays out the Python half of the .vsix under clients/vscode/bundled/.

bundled/server/grepls      the server package, copied from server/grepls
bundled/libs/cpXY/         its dependencies (read from pyproject.toml) for Python X.Y

Dependencies are installed per Python minor version because google-re2 ships compiled wheels per
version and platform; pip is asked for binary wheels of the chosen VS Code target's platform, so
any target can be built on this machine (`--target darwin-arm64`, ...). The extension puts the
folder matching the interpreter it found first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pip carries a copy of the same parser
    from pip._vendor import tomli as tomllib  # type: ignore[no-redef]

# VS Code target -> pip platform tags, newest first; pip takes any of them.
PLATFORMS: dict[str, list[str]] = {
    "linux-x64": ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"],
    "linux-arm64": ["manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"],
    "alpine-x64": ["musllinux_1_2_x86_64", "musllinux_1_1_x86_64"],
    "darwin-arm64": [f"macosx_{v}_0_arm64" for v in (15, 14, 13, 12, 11)],
    "darwin-x64": [
        f"macosx_{v}_x86_64"
        for v in ("15_0", "14_0", "13_0", "12_0", "11_0", "10_15", "10_13", "10_9")
    ],
    "win32-x64": ["win_amd64"],
    "win32-arm64": ["win_arm64"],
}
PYTHON_VERSIONS = ["3.10", "3.11", "3.12", "3.13", "3.14"]


def dependencies(pyproject: Path) -> list[str]:
    with pyproject.open("rb") as f:
        return list(tomllib.load(f)["project"]["dependencies"])


def copy_server(repo: Path, bundled: Path) -> None:
    target = bundled / "server" / "grepls"
    shutil.copytree(
        repo / "server" / "grepls",
        target,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"),
    )


def install_libs(requirements: list[str], target: str, version: str, folder: Path) -> bool:
    platform_args = [arg for tag in PLATFORMS[target] for arg in ("--platform", tag)]
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-compile", "--only-binary=:all:", "--implementation", "cp",
        "--python-version", version, *platform_args, "--target", str(folder), *requirements,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        print(f"bundle_server: no wheels for Python {version} on {target}:", file=sys.stderr)
        print(result.stderr.strip()[-2000:], file=sys.stderr)
        return False
    # Wheels' console scripts and metadata are not needed to import the packages.
    shutil.rmtree(folder / "bin", ignore_errors=True)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="linux-x64", choices=sorted(PLATFORMS))
    default_versions = ", ".join(PYTHON_VERSIONS)
    parser.add_argument("--python", action="append", dest="pythons", metavar="X.Y",
                        help=f"Python versions to carry libraries for (default {default_versions})")
    parser.add_argument("--require", action="append", default=[], metavar="X.Y",
                        help="fail unless libraries for this version were bundled")
    args = parser.parse_args()

    extension = Path(__file__).resolve().parent.parent
    repo = extension.parent.parent
    bundled = extension / "bundled"
    shutil.rmtree(bundled, ignore_errors=True)
    copy_server(repo, bundled)

    requirements = dependencies(repo / "pyproject.toml")
    done = [
        version
        for version in (args.pythons or PYTHON_VERSIONS)
        if install_libs(requirements, args.target, version,
                        bundled / "libs" / f"cp{version.replace('.', '')}")
    ]
    missing = [v for v in args.require if v not in done]
    carried = ", ".join(done) or "none"
    print(f"bundle_server: {args.target}: server + libraries for Python {carried}")
    if missing or not done:
        print(f"bundle_server: required Python versions missing: {', '.join(missing) or 'all'}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
