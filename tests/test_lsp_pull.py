"""End to end: a client that pulls diagnostics is answered by pull only, never by pushes too."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest_lsp
from conftest import CONFIG, TIMEOUT, change_document, command, edit, eventually, open_document
from grepls.client import Client
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

URI = "file:///work/pulled.txt"


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient) -> Any:
    capabilities = client_capabilities("visual-studio-code")
    assert capabilities.text_document is not None and capabilities.workspace is not None
    capabilities.text_document.diagnostic = types.DiagnosticClientCapabilities()
    capabilities.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(
        refresh_support=True
    )
    result = await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities))
    lsp_client.server_capabilities = result.capabilities  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def pull(client: LanguageClient, previous: str | None = None) -> Any:
    return await asyncio.wait_for(
        client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uri=URI), previous_result_id=previous
            )
        ),
        TIMEOUT,
    )


async def test_pull_clients_get_reports_refreshes_and_no_pushes(client: LanguageClient) -> None:
    assert client.server_capabilities.diagnostic_provider is not None  # type: ignore[attr-defined]
    open_document(client, URI, "a TODO\nb\n")
    await command(client, "grepls.setPattern", "TODO")
    await eventually(lambda: client.diagnostic_refresh_count >= 1, what="a refresh request")

    report = await pull(client)
    assert report.kind == "full"
    assert [(d.range.start.line, d.range.start.character) for d in report.items] == [(0, 2)]
    assert report.items[0].source == "grepls"

    same = await pull(client, report.result_id)
    assert same.kind == "unchanged"
    assert same.result_id == report.result_id

    change_document(client, URI, 2, edit((1, 1), (1, 1), " TODO"))
    changed = await pull(client, report.result_id)
    assert changed.kind == "full"
    assert len(changed.items) == 2

    refreshes = client.diagnostic_refresh_count
    await command(client, "grepls.clearPattern")
    await eventually(lambda: client.diagnostic_refresh_count > refreshes, what="a refresh")
    assert list((await pull(client, changed.result_id)).items) == []
    assert client.diagnostics == {}  # nothing was ever pushed


async def test_a_closed_document_is_cleared_by_the_next_workspace_pull(
    client: LanguageClient,
) -> None:
    """VS Code forgets a document's pull state when it closes, keeps the diagnostics of its last
    document pull, and no longer names it in its workspace pulls: the next workspace answer must
    clear it, or its matches stay in the Problems panel for good."""
    open_document(client, URI, "a TODO\n")
    await command(client, "grepls.setPattern", "TODO")
    assert len((await pull(client)).items) == 1
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    answer = await asyncio.wait_for(
        client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[])),
        TIMEOUT,
    )
    cleared = [report for report in answer.items if report.uri == URI]
    assert len(cleared) == 1 and cleared[0].kind == "full" and list(cleared[0].items) == []

    # Said once: named with that id, nothing new, so the next pull waits (a long poll).
    waiting = asyncio.ensure_future(
        client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(
                previous_result_ids=[types.PreviousResultId(uri=URI, value=cleared[0].result_id)]
            )
        )
    )
    await asyncio.sleep(0.2)
    assert not waiting.done()
    waiting.cancel()


@pytest_lsp.fixture(config=CONFIG)
async def push_client(lsp_client: LanguageClient) -> Any:
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("neovim"))
    )
    lsp_client.server_capabilities = result.capabilities  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_push_clients_are_not_offered_pull_diagnostics(push_client: LanguageClient) -> None:
    assert push_client.server_capabilities.diagnostic_provider is None  # type: ignore[attr-defined]


def test_the_servers_own_requests_carry_numbers_for_ids() -> None:
    """Vim's LSP channel answers only requests whose id is a number: grepls numbers its own
    (here ``workspace/diagnostic/refresh``, after a pattern is set), and takes the answers."""
    with Client.start(timeout=30) as client:
        client.initialize(
            capabilities={
                "textDocument": {"diagnostic": {}},
                "workspace": {"diagnostics": {"refreshSupport": True}},
            }
        )
        client.open("file:///numbered.txt", "a TODO\n")
        client.command("grepls.setPattern", "TODO")
        client.command("grepls.setPattern", "a")
        client.pump(lambda: len(client.server_requests) >= 2, timeout=30, what="two refreshes")
        ids = [request.id for request in client.server_requests]
        assert all(type(request_id) is int for request_id in ids), ids
        assert len(set(ids)) == len(ids)
        assert client.alive()
