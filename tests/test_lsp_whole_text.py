"""End to end: an editor that sends the whole text in every change (as Vim's ALE does) sees the
same matches as one that sends ranges, through the real server over stdio.

The server replaces only the lines where the new text differs from the last one (see
:mod:`grepls.lines`); here each change is one a user makes — typing into a line, new lines with
another kind of break, deleting the first and the last lines, splitting and re-joining a
``\\r\\n`` — each of which changes the matches, and each publish must equal the oracle's scan of
the whole text sent.
"""

from __future__ import annotations

from conftest import change_document, command, open_document, published
from grep_oracle import Search, expected_matches
from lsprotocol import types
from pytest_lsp import LanguageClient

URI = "file:///work/ale.txt"


def whole(text: str) -> types.TextDocumentContentChangeWholeDocument:
    return types.TextDocumentContentChangeWholeDocument(text=text)


async def test_whole_text_changes_publish_the_matches_of_the_text_sent(
    client: LanguageClient,
) -> None:
    lines = [f"line {n}" + (" TODO" if n % 7 == 0 else "") for n in range(3000)]
    text = "\n".join(lines) + "\n"
    open_document(client, URI, text)
    await command(client, "grepls.setPattern", "TODO")
    encoding = client.encoding  # type: ignore[attr-defined]
    await published(client, URI, expected_matches(Search("TODO"), text, encoding))
    middle = text.index("line 1500")
    edits = [
        text[:middle] + "TODO" + text[middle:],  # typed into a line: a match
        text[:middle] + "TODO😀\r\nTODO\r\n" + text[middle:],  # new lines broken by "\r\n"
        text[:middle] + "TODO😀\r\rTODO\r\n" + text[middle:],  # a "\r\n" split into "\r" "\r"
        text[:middle] + "TODO😀\r\nTODO\r\n" + text[middle:],  # and joined again
        text[text.index("\n") + 1 :],  # the first line deleted
        text[text.index("\n") + 1 : text.rindex("line")] + "TODO",  # and the last one replaced
        "",  # everything deleted
        "TODO\r\nTODO",  # a new text
    ]
    for version, sent in enumerate(edits, start=2):
        change_document(client, URI, version, whole(sent))
        expected = expected_matches(Search("TODO"), sent, encoding)
        await published(client, URI, expected, version=version)
