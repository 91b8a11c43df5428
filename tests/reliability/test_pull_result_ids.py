"""Pull diagnostics: a result id names one result, once, for the whole life of a server.

A client that pulls (``textDocument/diagnostic``) sends back the ``resultId`` of the report it
holds, and the server answers ``unchanged`` when that report is still right. So an id must never
name two different results: when a document is closed and opened again with other text (or opened
again without a close, which replaces it), the report the client still holds is stale, and the
next pull must be a ``full`` report with the new matches.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from grepls.client import Client
from servers import TRANSPORTS, spans_of, start

URI = "file:///reliability/pulled.txt"
PULL_CAPABILITIES = {
    "general": {"positionEncodings": ["utf-16"]},
    "textDocument": {"diagnostic": {"dynamicRegistration": False}},
    "workspace": {"diagnostics": {"refreshSupport": True}},
}


@pytest.fixture(params=TRANSPORTS)
def client(request: pytest.FixtureRequest) -> Iterator[Client]:
    started = start(request.param)
    try:
        result = started.initialize(capabilities=PULL_CAPABILITIES)
        assert result["capabilities"].get("diagnosticProvider"), "pull is not offered"
        yield started
        assert started.stop() == 0
    finally:
        started.kill()


def pull(client: Client, previous: str | None = None) -> Any:
    params: dict[str, Any] = {"textDocument": {"uri": URI}}
    if previous is not None:
        params["previousResultId"] = previous
    return client.result("textDocument/diagnostic", params)


@pytest.mark.parametrize("close_first", [True, False], ids=["closed-and-reopened", "reopened"])
def test_a_document_opened_again_with_other_text_is_never_reported_unchanged(
    client: Client, close_first: bool
) -> None:
    assert client.command("grepls.setPattern", "TODO")["result"]["pattern"] == "TODO"
    client.open(URI, "a TODO\n")
    first = pull(client)
    assert first["kind"] == "full"
    assert spans_of(first["items"]) == [(0, 2, 0, 6)]
    assert pull(client, first["resultId"])["kind"] == "unchanged"  # nothing changed: same id

    if close_first:
        client.close_document(URI)
    client.open(URI, "TODO TODO\nx TODO\n")
    again = pull(client, first["resultId"])
    assert again["kind"] == "full", f"a stale report was confirmed: {again}"
    assert again["resultId"] != first["resultId"]
    assert sorted(spans_of(again["items"])) == [(0, 0, 0, 4), (0, 5, 0, 9), (1, 2, 1, 6)]
