"""The package as users get it: the wheel, installed three ways, answers `--version` and LSP.

The wheel and sdist are built from this checkout (as `make dist` builds them) and installed into a
fresh virtualenv, with `pipx install` and with `uv tool install`, each resolving grepls's declared
ranges from the index as a user's install would. Each installed `grepls` must print its version
and, over stdio, find the `TODO` of a document opened before `grepls.setPattern`. The client here
is deliberately tiny and independent of the server's code: Content-Length frames, JSON bodies, a
deadline on every read.

The other tests pin the single version (grepls.__version__ is what the wheel, package.json and the
changelog say), the metadata an index shows, and the locks' agreement with pyproject.toml.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import re
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from email.parser import Parser
from itertools import chain
from pathlib import Path
from typing import Any

import grepls
import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
READ_TIMEOUT_S = 30.0
INSTALL_TIMEOUT_S = 100
TEXT = "first line\n// TODO: ship it\n"


def load_bundle_script() -> Any:
    """clients/vscode/scripts/bundle_server.py, which reads the lock for the .vsix."""
    path = REPO / "clients" / "vscode" / "scripts" / "bundle_server.py"
    spec = importlib.util.spec_from_file_location("bundle_server", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def pyproject() -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # the dev lock installs tomli on 3.10
        import tomli as tomllib
    with (REPO / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


class FramedClient:
    """A language client in forty lines: frames in, frames out, a deadline on every read."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        self.frames: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers = {}
            while line := stream.readline().strip():
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            if not headers:  # end of output
                self.frames.put(None)
                return
            self.frames.put(json.loads(stream.read(int(headers["content-length"]))))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def receive(self, wanted: Any, what: str) -> dict[str, Any]:
        """The first frame `wanted` accepts; server requests on the way are answered with null."""
        deadline = time.monotonic() + READ_TIMEOUT_S
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = self.frames.get(timeout=left)
            except queue.Empty:
                break
            if frame is None:
                pytest.fail(f"the server closed its output before {what}: {self.stderr()}")
            if wanted(frame):
                return frame
            if "id" in frame and "method" in frame:
                self.send({"id": frame["id"], "result": None})
        pytest.fail(f"no {what} within {READ_TIMEOUT_S}s: {self.stderr()}")

    def stderr(self) -> str:
        if self.process.poll() is None:
            self.process.kill()
        assert self.process.stderr is not None
        return self.process.stderr.read().decode(errors="replace")[-2000:]


def check_installed_grepls(grepls_command: Path, env: dict[str, str]) -> None:
    """`grepls --version`, then initialize, didOpen, setPattern TODO, one diagnostic, exit."""
    version = subprocess.run(
        [str(grepls_command), "--version"], capture_output=True, text=True, env=env, timeout=60
    )
    assert version.stdout.strip() == f"grepls {grepls.__version__}", version.stderr

    client = FramedClient([str(grepls_command)], env)
    try:
        client.send({"id": 1, "method": "initialize", "params": {"capabilities": {}}})
        result = client.receive(lambda m: m.get("id") == 1, "the initialize result")["result"]
        assert result["serverInfo"]["version"] == grepls.__version__
        client.send({"method": "initialized", "params": {}})
        uri = "file:///tmp/package-check.txt"
        document = {"uri": uri, "languageId": "plaintext", "version": 1, "text": TEXT}
        client.send({"method": "textDocument/didOpen", "params": {"textDocument": document}})
        client.send(
            {
                "id": 2,
                "method": "workspace/executeCommand",
                "params": {"command": "grepls.setPattern", "arguments": ["TODO"]},
            }
        )
        published = client.receive(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and m["params"]["diagnostics"]
            ),
            "a publishDiagnostics with the match",
        )
        (diagnostic,) = published["params"]["diagnostics"]
        assert diagnostic["range"] == {
            "start": {"line": 1, "character": 3},
            "end": {"line": 1, "character": 7},
        }
        client.send({"id": 3, "method": "shutdown"})
        client.receive(lambda m: m.get("id") == 3, "the shutdown result")
        client.send({"method": "exit"})
        assert client.process.wait(timeout=READ_TIMEOUT_S) == 0
    finally:
        if client.process.poll() is None:
            client.process.kill()
            client.process.wait()


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without this checkout's virtualenv, so only the install under test runs."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env.update(UV_PYTHON_DOWNLOADS="never", **extra)
    return env


def run(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=INSTALL_TIMEOUT_S)
    assert done.returncode == 0, f"{' '.join(argv)}\n{done.stdout}\n{done.stderr}"


def uv() -> str:
    from uv import find_uv_bin

    return str(find_uv_bin())


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and the wheel, built from this checkout as `make dist` builds them."""
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)],
        dict(os.environ))  # fmt: skip
    (wheel,) = out.glob("grepls-*.whl")
    (sdist,) = out.glob("grepls-*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


def test_wheel_in_a_fresh_virtualenv_serves_lsp(dist: dict[str, Path], tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    env = clean_env()
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], env)
    run([uv(), "pip", "install", "--python", str(venv / "bin" / "python"), str(dist["wheel"])], env)
    check_installed_grepls(venv / "bin" / "grepls", env)


def test_pipx_install_of_the_wheel_serves_lsp(dist: dict[str, Path], tmp_path: Path) -> None:
    env = clean_env(
        PIPX_HOME=str(tmp_path / "pipx"),
        PIPX_BIN_DIR=str(tmp_path / "bin"),
        PIPX_MAN_DIR=str(tmp_path / "man"),
        PIPX_SHARED_LIBS=str(REPO / ".cache" / "pipx-shared"),
        # pipx uses uv when it finds it; most users' pipx runs pip (uv tool install is below).
        PIPX_DEFAULT_BACKEND="pip",
    )
    run([sys.executable, "-m", "pipx", "install", "--python", sys.executable, str(dist["wheel"])],
        env)  # fmt: skip
    check_installed_grepls(tmp_path / "bin" / "grepls", env)


def test_uv_tool_install_of_the_wheel_serves_lsp(dist: dict[str, Path], tmp_path: Path) -> None:
    env = clean_env(UV_TOOL_DIR=str(tmp_path / "tools"), UV_TOOL_BIN_DIR=str(tmp_path / "bin"))
    run([uv(), "tool", "install", "--python", sys.executable, str(dist["wheel"])], env)
    check_installed_grepls(tmp_path / "bin" / "grepls", env)


def test_wheel_metadata_is_complete_for_an_index(dist: dict[str, Path]) -> None:
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(wheel.read(name).decode("utf-8"))
        files = wheel.namelist()
    assert metadata["Name"] == "grepls"
    assert metadata["Version"] == grepls.__version__
    assert metadata["Summary"] and "language server" in metadata["Summary"]
    assert metadata["Requires-Python"] == ">=3.10"
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().startswith("# grepls")
    classifiers = metadata.get_all("Classifier")
    for python in load_bundle_script().PYTHON_VERSIONS:
        assert f"Programming Language :: Python :: {python}" in classifiers
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL"))
    assert {"Homepage", "Source", "Issues"} <= urls.keys()
    assert "ws" in metadata.get_all("Provides-Extra")
    # The wheel states ranges, never the lock's exact pins.
    runtime = [Requirement(r) for r in metadata.get_all("Requires-Dist") if "extra ==" not in r]
    assert {r.name for r in runtime} == {"google-re2", "orjson", "ripgrep", "watchfiles"}
    assert not any(s.operator == "==" for r in runtime for s in r.specifier)
    assert "grepls/py.typed" in files
    assert not [f for f in files if f.startswith(("tests/", "bench/", "clients/"))]


def test_sdist_carries_what_builds_the_wheel(dist: dict[str, Path]) -> None:
    with tarfile.open(dist["sdist"]) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {"pyproject.toml", "README.md", "LICENSE", "server/grepls/__init__.py"} <= names


def test_one_version_everywhere() -> None:
    project = pyproject()["project"]
    assert "version" not in project and "version" in project["dynamic"]
    manifest = json.loads((REPO / "clients" / "vscode" / "package.json").read_text("utf-8"))
    assert manifest["version"] == grepls.__version__, "package.json and grepls.__version__ differ"
    changelog = (REPO / "clients" / "vscode" / "CHANGELOG.md").read_text("utf-8")
    newest = re.search(r"^## \[?(\d[^\]\s]*)", changelog, re.M)
    assert newest and newest.group(1) == grepls.__version__, "CHANGELOG.md's newest entry"
    for package in sorted((REPO / "clients" / "emacs").glob("*.el")):
        header = re.search(r"^;; Version: (\S+)$", package.read_text("utf-8"), re.M)
        assert header and header.group(1) == grepls.__version__, f"{package.name}'s Version"


def test_locks_pin_what_pyproject_asks_with_hashes() -> None:
    bundle = load_bundle_script()
    project = pyproject()["project"]
    checks = [
        ("runtime.txt", project["dependencies"]),
        ("dev.txt", [*project["dependencies"], *chain(*project["optional-dependencies"].values())]),
    ]
    for lock, wanted in checks:
        pins = bundle.read_lock(REPO / "requirements" / lock)  # refuses unhashed or loose pins
        for requirement in map(Requirement, wanted):
            name = bundle.canonicalize_name(requirement.name)
            versions = [pin.version for pin in pins if pin.name == name]
            assert versions, f"{requirement.name} is missing from {lock}: run make lock"
            assert all(requirement.specifier.contains(v, prereleases=True) for v in versions), (
                f"{lock} pins {requirement.name} {versions}, pyproject asks {requirement.specifier}"
                ": run make lock"
            )


def test_vsix_bundle_takes_the_locks_pins_for_each_python_and_refuses_others(
    tmp_path: Path,
) -> None:
    bundle = load_bundle_script()
    assert bundle.read_lock(bundle.LOCK)  # the real lock reads
    linux = bundle.PLATFORMS["linux-x64"]
    # A pin for older Pythons only: markers are read for the target Python, not the running one.
    marked = tmp_path / "marked.txt"
    marked.write_text(
        "orjson==3.10.0 \\\n    --hash=sha256:00\n"
        "exceptiongroup==1.2.2 ; python_full_version < '3.11' \\\n    --hash=sha256:00\n",
        encoding="utf-8",
    )
    pins = bundle.read_lock(marked)
    assert "exceptiongroup" in {p.name for p in bundle.pins_for(pins, linux, "3.10")}
    assert "exceptiongroup" not in {p.name for p in bundle.pins_for(pins, linux, "3.11")}

    loose = tmp_path / "loose.txt"
    loose.write_text("orjson>=3.9 --hash=sha256:00\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="not an exact, hashed pin"):
        bundle.read_lock(loose)
    unhashed = tmp_path / "unhashed.txt"
    unhashed.write_text("orjson==3.13.0\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="not an exact, hashed pin"):
        bundle.read_lock(unhashed)

    # What landed is compared with the lock: an extra or a different version fails the build.
    folder = tmp_path / "libs"
    for name, version in [("orjson", "3.13.0"), ("six", "1.0")]:
        info = folder / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Name: {name}\nVersion: {version}\n", encoding="utf-8")
    orjson = bundle.Pin("orjson", "3.13.0", None, ("sha256:00",))
    assert bundle.check_installed([orjson], folder) == (
        "what was installed differs from the lock: six: lock absent, installed 1.0"
    )
    (folder / "six-1.0.dist-info" / "METADATA").unlink()
    (folder / "six-1.0.dist-info").rmdir()
    assert bundle.check_installed([orjson], folder) is None
