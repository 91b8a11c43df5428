"""The VS Code extension's setting defaults (package.json) are the server's defaults.

package.json's ``contributes.configuration`` is where the client states its defaults; VS Code
sends them for every key the user left unset. If they drifted from the server's own defaults, a
VS Code user would get different behaviour from every other editor's user, silently. So: what
VS Code sends when nothing is set must read, in the server, exactly as no settings at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grepls.settings import (
    DEFAULT_MAX_FILE_SIZE,
    DEFAULT_MAX_MATCHES,
    DEFAULT_MAX_WORKSPACE_MATCHES,
    SCOPES,
    SEVERITIES,
    Settings,
    parse_settings,
)

PACKAGE_JSON = Path(__file__).resolve().parent.parent / "clients" / "vscode" / "package.json"
SERVER_KEYS = [
    "pattern",
    "patterns",
    "regex",
    "caseSensitive",
    "wholeWord",
    "severity",
    "maxMatchesPerDocument",
    "confirmReplaceAbove",
    "scope",
    "exclude",
    "maxFileSize",
    "maxWorkspaceMatches",
]


def vscode_properties() -> dict[str, Any]:
    manifest = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    properties: dict[str, Any] = manifest["contributes"]["configuration"]["properties"]
    return properties


def vscode_defaults() -> dict[str, Any]:
    """What VS Code answers for the ``grepls`` section when the user set nothing (server keys)."""
    properties = vscode_properties()
    return {key: properties[f"grepls.{key}"]["default"] for key in SERVER_KEYS}


def test_package_json_declares_every_setting_the_server_reads() -> None:
    properties = vscode_properties()
    missing = [key for key in SERVER_KEYS if f"grepls.{key}" not in properties]
    assert missing == []


def test_vscode_defaults_read_as_the_servers_defaults_without_a_message() -> None:
    settings, problems = parse_settings(vscode_defaults())
    assert problems == []
    assert settings == Settings()


def test_vscode_default_flags_are_the_servers_for_a_pattern() -> None:
    with_vscode_defaults, _ = parse_settings({**vscode_defaults(), "pattern": "TODO"})
    with_nothing_else, _ = parse_settings({"pattern": "TODO"})
    assert with_vscode_defaults.pattern == with_nothing_else.pattern


def test_severity_and_cap_defaults_and_choices_match() -> None:
    properties = vscode_properties()
    severity = properties["grepls.severity"]
    assert SEVERITIES[severity["default"]] == Settings().severity
    assert severity["enum"] == list(SEVERITIES)
    cap = properties["grepls.maxMatchesPerDocument"]
    assert cap["default"] == DEFAULT_MAX_MATCHES
    assert cap["minimum"] == 1


def test_every_key_package_json_declares_for_a_pattern_entry_reads_without_a_message() -> None:
    """The keys VS Code's settings editor offers in ``grepls.patterns`` are ones the server takes
    (or ignores as the client's own: ``color``, ``diagnostics``), with the same severities."""
    entry_schema = vscode_properties()["grepls.patterns"]["items"]
    samples = {
        "pattern": "TODO",
        "regex": False,
        "caseSensitive": False,
        "wholeWord": True,
        "severity": "warning",
        "message": "a thing to do",
        "id": "todo",
        "color": "blue",
        "diagnostics": False,
    }
    assert set(entry_schema["properties"]) == set(samples)
    assert entry_schema["properties"]["severity"]["enum"] == list(SEVERITIES)
    settings, problems = parse_settings({"patterns": [samples]})
    assert problems == []
    assert [pattern.id for pattern in settings.patterns] == ["todo"]


def test_workspace_scope_defaults_and_choices_match() -> None:
    properties = vscode_properties()
    scope = properties["grepls.scope"]
    assert scope["default"] == Settings().scope == "open"
    assert set(scope["enum"]) == set(SCOPES)
    assert len(scope["enumDescriptions"]) == len(scope["enum"])
    assert properties["grepls.exclude"]["default"] == list(Settings().exclude) == []
    assert properties["grepls.maxFileSize"]["default"] == DEFAULT_MAX_FILE_SIZE
    assert properties["grepls.maxWorkspaceMatches"]["default"] == DEFAULT_MAX_WORKSPACE_MATCHES
    for key in ("maxFileSize", "maxWorkspaceMatches"):
        assert properties[f"grepls.{key}"]["minimum"] == 1


def test_every_scope_vscode_offers_reads_without_a_message() -> None:
    for scope in vscode_properties()["grepls.scope"]["enum"]:
        settings, problems = parse_settings({"scope": scope, "exclude": ["vendor/**"]})
        assert problems == []
        assert (settings.scope, settings.exclude) == (scope, ("vendor/**",))
