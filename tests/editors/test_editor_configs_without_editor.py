"""Helix and Sublime Text: the README's configs checked without the editors.

Neither editor is packaged for Debian 12, so nothing here drives them. What can be proven is
proven: the snippets parse (TOML, JSON), the command they start is the console script this
package installs, the server commands they name are ones the real server advertises, and the
requests their key bindings and palette entries would send succeed against the real server with
the results the contract promises.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from editors_fixture import FIXTURE, fixture_lines
from editors_lsp import StdioClient
from editors_readme import REPO, snippet

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - CI runs 3.11
    tomllib = pytest.importorskip("tomli")


def console_scripts() -> dict[str, str]:
    with (REPO / "pyproject.toml").open("rb") as handle:
        scripts: dict[str, str] = tomllib.load(handle)["project"]["scripts"]
    return scripts


def expected_count(argument: Any) -> int:
    """Matches of a setPattern argument in the fixture, counted without the server."""
    text = "\n".join(fixture_lines())
    if isinstance(argument, str):
        return text.count(argument)
    return sum(1 for _ in re.finditer(argument["pattern"], text))


def helix_commands() -> list[tuple[str, list[Any]]]:
    """(command, arguments) of every `:lsp-workspace-command` key in the Helix keys snippet.
    Helix reads the first word as the command and the rest of the line as JSON values."""
    keys = tomllib.loads(snippet("helix-keys"))
    found = []
    decoder = json.JSONDecoder()
    for binding in keys["keys"]["normal"]["space"]["G"].values():
        typable, _, rest = binding.partition(" ")
        assert typable == ":lsp-workspace-command", binding
        command, _, rest = rest.strip().partition(" ")
        arguments, at = [], 0
        rest = rest.strip()
        while at < len(rest):
            value, at = decoder.raw_decode(rest, at)
            arguments.append(value)
            while at < len(rest) and rest[at] == " ":
                at += 1
        found.append((command, arguments))
    return found


def sublime_commands(selection: str) -> list[tuple[str, list[Any]]]:
    """(command, arguments) of the palette entries, with `$selection` expanded as LSP does."""
    entries = json.loads(snippet("sublime-commands"))
    found = []
    for entry in entries:
        assert entry["command"] == "lsp_execute", entry
        args = entry["args"]
        assert args["session_name"] == "grepls", "session_name must be the client's key"
        arguments = [
            selection if argument in ("$selection", "${selection}") else argument
            for argument in args.get("command_args", [])
        ]
        found.append((args["command_name"], arguments))
    return found


def run_against_server(
    argv: list[str], env: dict[str, str], workdir: Path, commands: list[tuple[str, list[Any]]]
) -> None:
    document = workdir / "project" / FIXTURE.name
    shutil.copyfile(FIXTURE, document)
    uri = document.as_uri()
    with StdioClient(argv, env, workdir / "project") as client:
        advertised = client.initialize(workdir / "project")["capabilities"]
        offered = advertised["executeCommandProvider"]["commands"]
        client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "text",
                    "version": 0,
                    "text": document.read_text(encoding="utf-8"),
                }
            },
        )
        for command, arguments in commands:
            assert command in offered, f"{command} is not a command grepls offers: {offered}"
            params: dict[str, Any] = {"command": command}
            if arguments:
                params["arguments"] = arguments
            result = client.request("workspace/executeCommand", params)
            if command == "grepls.setPattern":
                count = expected_count(arguments[0])
                assert result["matches"] == count, (command, arguments, result)
                assert len(client.wait_for_diagnostics(uri, count)) == count
            elif command == "grepls.clearPattern":
                assert result == {"pattern": None, "matches": 0}
                assert client.wait_for_diagnostics(uri, 0) == []


def test_helix_languages_toml_starts_the_installed_console_script() -> None:
    languages = tomllib.loads(snippet("helix-languages"))
    server = languages["language-server"]["grepls"]
    assert server["command"] == "grepls"
    assert "grepls" in console_scripts(), "the package must install the `grepls` command"
    using = [lang for lang in languages["language"] if "grepls" in lang["language-servers"]]
    assert using, "no language uses grepls"
    text = next(lang for lang in using if lang["name"] == "text")
    assert "txt" in text["file-types"]


def test_helix_key_bindings_run_against_the_real_server(workdir: Path, env: dict[str, str]) -> None:
    languages = tomllib.loads(snippet("helix-languages"))
    command = languages["language-server"]["grepls"]["command"]
    executable = shutil.which(command, path=env["PATH"])
    assert executable, f"{command} is not on PATH"
    commands = helix_commands()
    assert {name for name, _ in commands} >= {"grepls.setPattern", "grepls.clearPattern"}
    run_against_server(
        [executable, *languages["language-server"]["grepls"].get("args", [])],
        env,
        workdir,
        commands,
    )


def test_sublime_settings_and_palette_run_against_the_real_server(
    workdir: Path, env: dict[str, str]
) -> None:
    settings = json.loads(snippet("sublime-lsp-settings"))
    client = settings["clients"]["grepls"]
    assert client["enabled"] is True
    assert client["command"] == ["grepls"]
    assert "text.plain" in client["selector"]
    executable = shutil.which(client["command"][0], path=env["PATH"])
    assert executable, "grepls is not on PATH"
    commands = sublime_commands(selection="TODO")
    assert {name for name, _ in commands} >= {"grepls.setPattern", "grepls.clearPattern"}
    run_against_server([executable, *client["command"][1:]], env, workdir, commands)
