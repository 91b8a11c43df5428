"""End to end: settings from initializationOptions and workspace/configuration, good and bad."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_lsp
from conftest import CLIENTS, CONFIG, command, eventually, open_document, published
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

URI = "file:///work/settings.txt"


def initialize_params(kind: str, options: Any) -> types.InitializeParams:
    return types.InitializeParams(
        capabilities=client_capabilities(kind), initialization_options=options
    )


@pytest_lsp.fixture(config=CONFIG, params=CLIENTS)
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> Any:
    """A client whose workspace/configuration answers come from a test-controlled dict."""
    options = getattr(request, "param_options", None)
    lsp_client.set_configuration({"grepls": {}}, section="")
    await lsp_client.initialize_session(initialize_params(request.param, options))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG, params=CLIENTS)
async def configured(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> Any:
    """A client that starts grepls with a pattern and severity in initializationOptions."""
    options = {"pattern": "TODO", "severity": "warning", "wholeWord": True}
    await lsp_client.initialize_session(initialize_params(request.param, options))
    yield
    await lsp_client.shutdown_session()


async def test_initialization_options_set_the_pattern_and_severity(
    configured: LanguageClient,
) -> None:
    open_document(configured, URI, "TODO TODOS\n")
    await published(configured, URI, [(0, 0, 0, 4)])
    assert configured.diagnostics[URI][0].severity == types.DiagnosticSeverity.Warning


@pytest_lsp.fixture(config=CONFIG, params=CLIENTS)
async def merged(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> Any:
    """Initialization options that hold settings both beside and inside ``grepls``, as an editor
    merging two configs gives them (Neovim's ``vim.lsp.config``)."""
    options = {"pattern": "TODO", "severity": "hint", "grepls": {"severity": "warning"}}
    await lsp_client.initialize_session(initialize_params(request.param, options))
    yield
    await lsp_client.shutdown_session()


async def test_settings_beside_the_grepls_section_apply_too(merged: LanguageClient) -> None:
    open_document(merged, URI, "a TODO\n")
    await published(merged, URI, [(0, 2, 0, 6)])  # the pattern, from beside the section
    # The severity is in both: the section's wins.
    assert merged.diagnostics[URI][0].severity == types.DiagnosticSeverity.Warning


async def test_configuration_changes_are_read_again(client: LanguageClient) -> None:
    open_document(client, URI, "TODO FIXME\n")
    client.set_configuration({"pattern": "FIXME", "severity": "error"}, section="grepls")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await published(client, URI, [(0, 5, 0, 10)])
    assert client.diagnostics[URI][0].severity == types.DiagnosticSeverity.Error
    # Only the severity changes: the same matches are published again with the new severity.
    client.set_configuration({"pattern": "FIXME", "severity": "hint"}, section="grepls")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await eventually(
        lambda: client.diagnostics[URI][0].severity == types.DiagnosticSeverity.Hint,
        what="the new severity",
    )


async def test_bad_settings_are_named_and_defaults_used(client: LanguageClient) -> None:
    open_document(client, URI, "TODO\n")
    client.set_configuration(
        {"pattern": "TODO", "severity": "loud", "maxMatchesPerDocument": -1}, section="grepls"
    )
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await published(client, URI, [(0, 0, 0, 4)])
    assert client.diagnostics[URI][0].severity == types.DiagnosticSeverity.Information
    await eventually(
        lambda: (
            any("grepls.severity" in m.message for m in client.messages)
            and any("grepls.maxMatchesPerDocument" in m.message for m in client.messages)
        ),
        what="messages naming the bad keys",
    )


async def test_an_invalid_regex_in_settings_is_reported_and_ignored(
    client: LanguageClient,
) -> None:
    open_document(client, URI, "TODO (\n")
    await command(client, "grepls.setPattern", "TODO")
    await published(client, URI, [(0, 0, 0, 4)])
    client.set_configuration({"pattern": "(", "regex": True}, section="grepls")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await eventually(
        lambda: any(
            "grepls.pattern" in m.message and "missing" in m.message for m in client.messages
        ),
        what="a message about the bad pattern",
    )
    matches = await command(client, "grepls.listMatches", URI)
    assert [m["range"]["start"]["character"] for m in matches] == [0]


async def test_a_capped_document_says_how_many_matches_it_has(client: LanguageClient) -> None:
    open_document(client, URI, "TODO\n" * 5)
    assert (await command(client, "grepls.setPattern", "TODO"))["complete"] is True
    await published(client, URI, [(line, 0, line, 4) for line in range(5)])
    client.set_configuration({"maxMatchesPerDocument": 3}, section="grepls")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await published(client, URI, [(line, 0, line, 4) for line in range(3)])
    await eventually(
        lambda: any(
            "more than 3 matches" in m.message and "first 3" in m.message for m in client.messages
        ),
        what="the cap announcement",
    )
    assert len(await command(client, "grepls.listMatches", URI)) == 3
    # The search stops once it knows there are more than 3: it does not count the rest.
    result = await command(client, "grepls.setPattern", "TODO")
    assert result == {"pattern": "TODO", "matches": 4, "complete": False}
