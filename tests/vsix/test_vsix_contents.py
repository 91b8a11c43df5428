"""What each platform's .vsix holds, read back from the zip that `make vsix-all` built.

Every compiled file (found by its magic bytes, whatever its name) must be of the package's
platform and processor: ELF for Linux (x86-64 or AArch64), Mach-O for macOS (x86-64 or arm64, or a
universal binary holding it), PE for Windows (x86-64). Every extension module in `libs/cpXY/` must
be built for Python X.Y, every wheel's tags must fit the platform, and the distributions must be
exactly the lock's pins for that platform and Python. `vsce ls` must list no development files.
Run by `make test-package`, after `make vsix-all`.
"""

from __future__ import annotations

import importlib.util
import json
import re
import struct
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EXTENSION = REPO / "clients" / "vscode"


def load_bundle_script() -> Any:
    path = EXTENSION / "scripts" / "bundle_server.py"
    spec = importlib.util.spec_from_file_location("bundle_server", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


BUNDLE = load_bundle_script()
VERSION = json.loads((EXTENSION / "package.json").read_text("utf-8"))["version"]

# target -> (binary format, processor as that format names it, wheel platform tag pattern,
# extension-module suffix for Python X.Y with {v} = XY)
EXPECTED: dict[str, tuple[str, str, str, str]] = {
    "linux-x64": ("ELF", "x86_64", r"manylinux(_\d+_\d+|2014|1|2010)_x86_64",
                  r"\.cpython-{v}-x86_64-linux-gnu\.so"),
    "linux-arm64": ("ELF", "aarch64", r"manylinux(_\d+_\d+|2014)_aarch64",
                    r"\.cpython-{v}-aarch64-linux-gnu\.so"),
    "darwin-x64": ("Mach-O", "x86_64", r"macosx_\d+_\d+_(x86_64|universal2|intel)",
                   r"\.cpython-{v}-darwin\.so"),
    "darwin-arm64": ("Mach-O", "arm64", r"macosx_\d+_\d+_(arm64|universal2)",
                     r"\.cpython-{v}-darwin\.so"),
    "win32-x64": ("PE", "x86_64", r"win_amd64", r"\.cp{v}-win_amd64\.pyd"),
}  # fmt: skip
ELF_MACHINES = {62: "x86_64", 183: "aarch64"}
MACHO_CPUS = {0x01000007: "x86_64", 0x0100000C: "arm64"}
PE_MACHINES = {0x8664: "x86_64", 0xAA64: "arm64", 0x14C: "x86"}


def binary_kind(data: bytes) -> tuple[str, set[str]] | None:
    """(format, processors) of a compiled file, or None for anything else."""
    if data[:4] == b"\x7fELF":
        (machine,) = struct.unpack_from("<H", data, 18)
        return "ELF", {ELF_MACHINES.get(machine, f"machine {machine}")}
    if data[:4] == b"\xcf\xfa\xed\xfe":  # 64-bit Mach-O, little-endian
        (cpu,) = struct.unpack_from("<I", data, 4)
        return "Mach-O", {MACHO_CPUS.get(cpu, f"cpu {cpu:#x}")}
    if data[:4] == b"\xca\xfe\xba\xbe":  # universal ("fat") Mach-O, big-endian
        (count,) = struct.unpack_from(">I", data, 4)
        cpus = [struct.unpack_from(">I", data, 8 + 20 * i)[0] for i in range(count)]
        return "Mach-O", {MACHO_CPUS.get(c, f"cpu {c:#x}") for c in cpus}
    if data[:2] == b"MZ" and len(data) > 0x40:
        (offset,) = struct.unpack_from("<I", data, 0x3C)
        if data[offset : offset + 4] == b"PE\0\0":
            (machine,) = struct.unpack_from("<H", data, offset + 4)
            return "PE", {PE_MACHINES.get(machine, f"machine {machine:#x}")}
    return None


def vsix_path(target: str) -> Path:
    path = EXTENSION / "dist" / f"grepls-{target}-{VERSION}.vsix"
    if not path.exists():
        pytest.fail(f"{path} is missing: run make vsix-all")
    return path


@pytest.mark.parametrize("target", sorted(BUNDLE.PLATFORMS))
def test_vsix_carries_only_its_platforms_compiled_libraries(target: str) -> None:
    kind, processor, wheel_platform, module_suffix = EXPECTED[target]
    with zipfile.ZipFile(vsix_path(target)) as vsix:
        manifest = vsix.read("extension.vsixmanifest").decode("utf-8")
        assert f'TargetPlatform="{target}"' in manifest
        names = vsix.namelist()
        compiled = 0
        for name in names:
            if name.endswith("/"):
                continue
            found = binary_kind(vsix.read(name)[:4096])
            if name.endswith((".so", ".pyd", ".dylib", ".dll")):
                assert found, f"{target}: {name} is not a compiled library"
            if found is None:
                continue
            compiled += 1
            assert found[0] == kind and processor in found[1], f"{target}: {name} is {found}"
            assert name.startswith("extension/bundled/libs/cp"), f"{target}: stray binary {name}"
        assert compiled, f"{target}: no compiled library at all"

        for python in BUNDLE.PYTHON_VERSIONS:
            tag = python.replace(".", "")
            libs = f"extension/bundled/libs/cp{tag}/"
            here = [n for n in names if n.startswith(libs)]
            assert here, f"{target}: nothing for Python {python}"
            modules = [
                n for n in here
                if n.endswith((".so", ".pyd")) and ".libs/" not in n and ".dylibs/" not in n
            ]  # fmt: skip
            assert modules, f"{target}, Python {python}: no extension module (google-re2?)"
            suffix = re.compile(module_suffix.format(v=tag) + "$")
            for module in modules:
                # Stable-ABI modules: "x.abi3.so", and on Windows a plain "x.pyd".
                stable = ".abi3." in module or re.search(r"/[^/.]+\.pyd$", module)
                assert suffix.search(module) or stable, (
                    f"{target}, Python {python}: {module} is not built for this Python"
                )
            check_wheels(vsix, target, python, libs, wheel_platform)


def _oldest(interpreter: str) -> tuple[int, int]:
    """``cp310`` → (3, 10)."""
    return int(interpreter[2]), int(interpreter[3:])


def check_wheels(
    vsix: zipfile.ZipFile, target: str, python: str, libs: str, wheel_platform: str
) -> None:
    """Each wheel's tags fit the platform and Python; the set is exactly the lock's."""
    tag = "cp" + python.replace(".", "")
    platform_tag = re.compile(rf"{wheel_platform}$")
    have = {}
    for name in vsix.namelist():
        folder = name.removeprefix(libs)
        if folder == name or not re.fullmatch(r"[^/]+\.dist-info/(WHEEL|METADATA)", folder):
            continue
        fields = Parser().parsestr(vsix.read(name).decode("utf-8"), headersonly=True)
        if folder.endswith("METADATA"):
            have[BUNDLE.canonicalize_name(fields["Name"])] = fields["Version"]
            continue
        # A universal2 macOS wheel lists a tag per processor; one of them must be this one.
        tags = [t.split("-") for t in fields.get_all("Tag")]
        if all(platform == "any" for _, _, platform in tags):
            continue
        # A program shipped as a wheel (ripgrep's rg) is for any Python: py3-none-<platform>.
        # A stable-ABI wheel names the oldest Python it runs on (cp310-abi3 serves 3.10 and on).
        python_any = all(i == "py3" and abi == "none" for i, abi, _ in tags)
        assert python_any or all(
            (i == tag and abi == tag) or (abi == "abi3" and _oldest(i) <= _oldest(tag))
            for i, abi, _ in tags
        ), f"{folder}: {tags}"
        assert any(platform_tag.search(p) for _, _, p in tags), f"{target}: {folder}: {tags}"
    lock = BUNDLE.read_lock(BUNDLE.LOCK)
    wanted = {p.name: p.version for p in BUNDLE.pins_for(lock, BUNDLE.PLATFORMS[target], python)}
    assert have == wanted, f"{target}, Python {python}: the .vsix differs from the lock"


def test_vsix_has_the_marketplace_page_and_no_development_files() -> None:
    listing = subprocess.run(
        ["npx", "--no-install", "vsce", "ls", "--no-dependencies"],
        cwd=EXTENSION, capture_output=True, text=True, timeout=120, check=True,
    ).stdout.split()  # fmt: skip
    with zipfile.ZipFile(vsix_path("linux-x64")) as vsix:
        # vsce stores README.md as readme.md, LICENSE as LICENSE.txt, CHANGELOG.md as changelog.md.
        renamed = {
            "readme.md": "README.md",
            "LICENSE.txt": "LICENSE",
            "changelog.md": "CHANGELOG.md",
        }
        packed = [
            renamed.get(n.removeprefix("extension/"), n.removeprefix("extension/"))
            for n in vsix.namelist()
            if n.startswith("extension/")
        ]
    listing = [renamed.get(n, n) for n in listing]
    for files in (listing, packed):
        for needed in ("package.json", "README.md", "CHANGELOG.md", "LICENSE", "images/icon.png",
                       "media/screenshot.png", "dist/extension.js",
                       "bundled/server/grepls/__main__.py"):  # fmt: skip
            assert needed in files
        development = [
            f for f in files
            if f.startswith(("src/", "test/", "scripts/", "out/", "node_modules/", "."))
            or "tsconfig" in f or f.endswith((".ts", ".map", ".pyc")) or "package-lock" in f
            or "__pycache__" in f
        ]  # fmt: skip
        assert development == [], development
    readme = (EXTENSION / "README.md").read_text("utf-8")
    assert "](media/screenshot.png)" in readme
    manifest = json.loads((EXTENSION / "package.json").read_text("utf-8"))
    assert manifest["icon"] == "images/icon.png"
    icon = (EXTENSION / manifest["icon"]).read_bytes()
    assert icon[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", icon[16:24]) == (128, 128)
    for key in ("galleryBanner", "categories", "keywords", "repository", "license", "publisher"):
        assert manifest.get(key), key
