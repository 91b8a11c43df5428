"""Lays out the Python half of the .vsix under clients/vscode/bundled/, from the hashed lock.

bundled/server/grepls      the server package, copied from server/grepls
bundled/libs/cpXY/         its dependencies for Python X.Y, exactly as requirements/runtime.txt pins

The lock (`make lock`) is universal: one file for every Python and platform, each pin with the
hashes of all its published files and, where a dependency is conditional, an environment marker.
For each Python version this script evaluates those markers for the chosen VS Code target (not for
the Python running it), downloads the binary wheels of the target's platform into a cache that
survives between builds (.cache/wheels/), and installs them with `--require-hashes --no-deps`, so
pip can neither resolve anything new nor take a file whose hash the lock does not list. Then it
reads back what landed and fails unless it is exactly the lock's set. Any target can be built on
this machine (`--target darwin-arm64`, ...).

google-re2 ships compiled wheels per Python version and platform, and none for musl (Alpine) or
Windows on Arm, so those targets are not offered. The extension puts the folder matching the
interpreter it found first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

EXTENSION = Path(__file__).resolve().parent.parent
REPO = EXTENSION.parent.parent
LOCK = REPO / "requirements" / "runtime.txt"
WHEEL_CACHE = REPO / ".cache" / "wheels"


@dataclass(frozen=True)
class Platform:
    """A VS Code target as pip and environment markers see it."""

    tags: list[str]  # pip platform tags, newest first; pip takes any of them
    sys_platform: str
    platform_system: str
    os_name: str
    platform_machine: str


PLATFORMS: dict[str, Platform] = {
    "linux-x64": Platform(
        ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"],
        "linux", "Linux", "posix", "x86_64",
    ),
    "linux-arm64": Platform(
        ["manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"],
        "linux", "Linux", "posix", "aarch64",
    ),
    "darwin-x64": Platform(
        [f"macosx_{v}_x86_64" for v in ("15_0", "14_0", "13_0", "12_0", "11_0", "10_15",
                                          "10_13", "10_9")],
        "darwin", "Darwin", "posix", "x86_64",
    ),
    "darwin-arm64": Platform(
        [f"macosx_{v}_0_arm64" for v in (15, 14, 13, 12, 11)],
        "darwin", "Darwin", "posix", "arm64",
    ),
    "win32-x64": Platform(["win_amd64"], "win32", "Windows", "nt", "AMD64"),
}  # fmt: skip
PYTHON_VERSIONS = ["3.10", "3.11", "3.12", "3.13", "3.14"]


@dataclass(frozen=True)
class Pin:
    """One line of the lock: `name==version ; marker --hash=... --hash=...`."""

    name: str
    version: str
    marker: Marker | None
    hashes: tuple[str, ...]

    def line(self) -> str:
        return f"{self.name}=={self.version} " + " ".join(f"--hash={h}" for h in self.hashes)


def read_lock(path: Path) -> list[Pin]:
    """The lock's pins; anything but exact, hashed pins is refused."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    pins = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        hashes = tuple(re.findall(r"--hash=(\S+)", line))
        requirement = Requirement(re.sub(r"--hash=\S+", "", line).strip())
        specifiers = list(requirement.specifier)
        if len(specifiers) != 1 or specifiers[0].operator != "==" or not hashes:
            raise SystemExit(f"bundle_server: {path}: not an exact, hashed pin: {line[:80]}")
        pins.append(
            Pin(
                canonicalize_name(requirement.name),
                specifiers[0].version,
                requirement.marker,
                hashes,
            )
        )
    return pins


def environment(platform: Platform, python: str, patch: int) -> dict[str, str]:
    return {
        "python_version": python,
        "python_full_version": f"{python}.{patch}",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": platform.sys_platform,
        "platform_system": platform.platform_system,
        "os_name": platform.os_name,
        "platform_machine": platform.platform_machine,
    }


def pins_for(pins: list[Pin], platform: Platform, python: str) -> list[Pin]:
    """The pins whose marker holds for this Python on this platform, whatever its patch level."""
    chosen = []
    for pin in pins:
        if pin.marker is None:
            chosen.append(pin)
            continue
        first, last = (pin.marker.evaluate(environment(platform, python, p)) for p in (0, 99))
        if first != last:
            raise SystemExit(
                f"bundle_server: {pin.name}'s marker ({pin.marker}) depends on the "
                f"patch level of Python {python}; one bundle cannot serve both"
            )
        if first:
            chosen.append(pin)
    return chosen


def pip_target_args(platform: Platform, python: str) -> list[str]:
    return [
        "--only-binary=:all:", "--no-deps", "--require-hashes", "--implementation", "cp",
        "--python-version", python, *[a for tag in platform.tags for a in ("--platform", tag)],
    ]  # fmt: skip


def pip(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def install_libs(pins: list[Pin], platform: Platform, python: str, folder: Path) -> str | None:
    """Install `pins` for one Python into `folder`; None, or why it failed."""
    with tempfile.TemporaryDirectory() as scratch:
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text("".join(pin.line() + "\n" for pin in pins), encoding="utf-8")
        target = pip_target_args(platform, python)
        install = [
            "install",
            "--quiet",
            "--no-compile",
            "--target",
            str(folder),
            "--no-index",
            "--find-links",
            str(WHEEL_CACHE),
            *target,
            "-r",
            str(requirements),
        ]
        if pip(*install).returncode != 0:  # not all in the cache yet: fetch them, then again
            shutil.rmtree(folder, ignore_errors=True)
            fetched = pip(
                "download", "--quiet", "--dest", str(WHEEL_CACHE), *target, "-r", str(requirements)
            )
            if fetched.returncode != 0:
                return fetched.stderr.strip()[-2000:]
            result = pip(*install)
            if result.returncode != 0:
                return result.stderr.strip()[-2000:]
    # Wheels' console scripts are not needed to import the packages.
    shutil.rmtree(folder / "bin", ignore_errors=True)
    return check_installed(pins, folder)


def installed(folder: Path) -> dict[str, str]:
    """name -> version of every distribution in `folder`, from its .dist-info METADATA."""
    found = {}
    for metadata in folder.glob("*.dist-info/METADATA"):
        fields = dict(
            line.split(": ", 1)
            for line in metadata.read_text(encoding="utf-8").split("\n\n", 1)[0].splitlines()
            if ": " in line and not line.startswith(" ")
        )
        found[canonicalize_name(fields["Name"])] = fields["Version"]
    return found


def check_installed(pins: list[Pin], folder: Path) -> str | None:
    """None if `folder` holds exactly the pinned distributions, else what differs."""
    wanted = {pin.name: pin.version for pin in pins}
    have = installed(folder)
    if have == wanted:
        return None
    differences = [
        f"{name}: lock {wanted.get(name, 'absent')}, installed {have.get(name, 'absent')}"
        for name in sorted(wanted.keys() | have.keys())
        if wanted.get(name) != have.get(name)
    ]
    return "what was installed differs from the lock: " + "; ".join(differences)


def check_version() -> str:
    """grepls.__version__, after checking package.json carries the same version."""
    source = (REPO / "server" / "grepls" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', source, re.M)
    if found is None:
        raise SystemExit("bundle_server: no __version__ in server/grepls/__init__.py")
    version = found.group(1)
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    if manifest["version"] != version:
        raise SystemExit(
            f"bundle_server: clients/vscode/package.json has version "
            f"{manifest['version']}, grepls.__version__ is {version}: make them agree"
        )
    return version


def copy_server(bundled: Path) -> None:
    shutil.copytree(
        REPO / "server" / "grepls",
        bundled / "server" / "grepls",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="linux-x64", choices=sorted(PLATFORMS))
    default_versions = ", ".join(PYTHON_VERSIONS)
    parser.add_argument(
        "--python",
        action="append",
        dest="pythons",
        metavar="X.Y",
        help=f"Python versions to carry libraries for (default {default_versions})",
    )
    args = parser.parse_args()

    version = check_version()
    platform = PLATFORMS[args.target]
    pins = read_lock(LOCK)
    bundled = EXTENSION / "bundled"
    shutil.rmtree(bundled, ignore_errors=True)
    copy_server(bundled)
    WHEEL_CACHE.mkdir(parents=True, exist_ok=True)

    failed = []
    for python in args.pythons or PYTHON_VERSIONS:
        folder = bundled / "libs" / f"cp{python.replace('.', '')}"
        problem = install_libs(pins_for(pins, platform, python), platform, python, folder)
        if problem:
            failed.append(python)
            print(f"bundle_server: {args.target}, Python {python}: {problem}", file=sys.stderr)
    if failed:
        print(
            f"bundle_server: {args.target}: failed for Python {', '.join(failed)}", file=sys.stderr
        )
        return 1
    carried = ", ".join(args.pythons or PYTHON_VERSIONS)
    print(f"bundle_server: {args.target}: grepls {version} + locked libraries for Python {carried}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
