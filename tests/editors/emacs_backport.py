"""A second Emacs for the editor tests: the newer one from Debian's backports, unpacked, not
installed.

Debian 12 ships Emacs 28.2 with eglot 1.9, which `make editors` installs; most Emacs users now
run Emacs 29 or 30, whose built-in eglot (1.12 to 1.17) changed what the README's snippets lean
on (the position encoding, the code-action road). Installing the backport would replace Debian's
Emacs, so its packages are fetched from the archive (checked against the archive's SHA-256),
unpacked into a folder of their own with ``dpkg-deb``, and run through a small wrapper that points
Emacs at its own Lisp, data and dump file. The wrapper ignores the system's `site-lisp`, so Emacs
30 uses its built-in eglot, not Debian's `elpa-eglot` made for Emacs 28.

    python tests/editors/emacs_backport.py DEST    # DEST/bin/emacs; prints the libraries it needs

The libraries the binary links (tree-sitter, libgccjit, ...) are printed, one package name a
line, for the caller to install with apt (`make test-editors-emacs-backport` does).
"""

from __future__ import annotations

import hashlib
import lzma
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ARCHIVE = "https://deb.debian.org/debian"
PACKAGES = ("emacs-nox", "emacs-common", "emacs-bin-common")
# What the packages depend on that is not a library the binary needs to run from a folder.
NOT_NEEDED = {"emacs-el", "emacsen-common", "install-info", "init-system-helpers", *PACKAGES}


def codename() -> str:
    for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
        if line.startswith("VERSION_CODENAME="):
            return line.split("=", 1)[1].strip().strip('"')
    raise SystemExit("emacs_backport: no VERSION_CODENAME in /etc/os-release (not Debian?)")


def architecture() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        data: bytes = response.read()
        return data


def stanzas(index: str) -> dict[str, dict[str, str]]:
    """Each package's fields in a Packages index (the newest version where several are listed)."""
    found: dict[str, dict[str, str]] = {}
    for block in index.split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if line.startswith((" ", "\t")) and key:
                fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        name = fields.get("Package")
        if name in PACKAGES:
            held = found.get(name)
            if held is None or _newer(fields["Version"], held["Version"]):
                found[name] = fields
    return found


def _newer(version: str, than: str) -> bool:
    compare = subprocess.run(["dpkg", "--compare-versions", version, "gt", than], check=False)
    return compare.returncode == 0


def libraries(fields: dict[str, str]) -> list[str]:
    """The packages ``Depends`` names, first of each set of alternatives, but Emacs's own."""
    names = []
    for part in fields.get("Depends", "").split(","):
        name = part.split("|")[0].split("(")[0].strip().split(":")[0]
        if name and name not in NOT_NEEDED:
            names.append(name)
    return names


WRAPPER = """#!/bin/sh
# Emacs {version} from {suite}, unpacked here by tests/editors/emacs_backport.py.
root='{root}'
export EMACSLOADPATH="$root/usr/share/emacs/{short}/lisp"
export EMACSDATA="$root/usr/share/emacs/{short}/etc"
export EMACSDOC="$root/usr/share/emacs/{short}/etc"
export EMACSPATH="$root/usr/libexec/emacs/{short}/{triplet}"
exec "$root/usr/bin/emacs-nox" --dump-file="$root/{dump}" "$@"
"""


def main(destination: Path) -> None:
    suite = f"{codename()}-backports"
    arch = architecture()
    index_url = f"{ARCHIVE}/dists/{suite}/main/binary-{arch}/Packages.xz"
    try:
        index = lzma.decompress(fetch(index_url)).decode("utf-8")
    except OSError as error:
        raise SystemExit(f"emacs_backport: cannot read {index_url}: {error}") from error
    found = stanzas(index)
    missing = [name for name in PACKAGES if name not in found]
    if missing:
        raise SystemExit(f"emacs_backport: {suite} has no {', '.join(missing)}")
    root = destination.resolve()
    with tempfile.TemporaryDirectory() as folder:
        for name in PACKAGES:
            fields = found[name]
            data = fetch(f"{ARCHIVE}/{fields['Filename']}")
            if hashlib.sha256(data).hexdigest() != fields["SHA256"]:
                raise SystemExit(f"emacs_backport: {name}'s download does not match its SHA-256")
            deb = Path(folder) / f"{name}.deb"
            deb.write_bytes(data)
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    version = found["emacs-nox"]["Version"].split(":", 1)[-1].split("+", 1)[0]
    short = version.rsplit(".", 1)[0] if version.count(".") > 1 else version
    dumps = sorted((root / "usr" / "libexec" / "emacs" / short).glob("*/emacs-*.pdmp"))
    if not dumps:
        raise SystemExit(f"emacs_backport: no dump file under {root}/usr/libexec/emacs/{short}")
    dump = dumps[0]
    wrapper = root / "bin" / "emacs"
    wrapper.parent.mkdir(parents=True, exist_ok=True)
    wrapper.write_text(
        WRAPPER.format(
            version=version,
            suite=suite,
            root=root,
            short=short,
            triplet=dump.parent.name,
            dump=dump.relative_to(root),
        ),
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    print("\n".join(libraries(found["emacs-nox"])))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python tests/editors/emacs_backport.py DEST")
    main(Path(sys.argv[1]))
