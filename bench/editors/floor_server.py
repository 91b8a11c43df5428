"""The editor's floor: a language server that publishes a single diagnostic, and nothing else.

Not the thing under test. It answers the same commands the editors' configs send
(``grepls.setPattern`` and ``grepls.clearPattern``; ``grepls.matchesInLines`` with its one
diagnostic, for the clients that draw from it) and, after every ``didChange``, publishes one
diagnostic: on the first changed line when the change inserts text (the bench's keystroke that
makes a match: a pasted line, or the ``O`` of ``TODO``), else on line 0 (the keystroke that
deletes it again). So an editor shows
"the typed match" after the same keystroke as with grepls, having read one diagnostic instead of
thousands: what remains is the editor's own cost of a keystroke and a publish — its floor. A
client that declares pull diagnostics (grepls's Vim plugin, Neovim module and Emacs snippet, which
paint from ``grepls.matchesInLines`` and to which grepls publishes nothing) is published nothing
either: its floor is the keystroke and the answer it paints.

With ``--all-matches`` it publishes instead what grepls would: every match of the pattern, in
document order, at most ``maxMatchesPerDocument`` (1,000 by default; from the initialization
options), each with grepls's fields (range, severity, code, source, message). The matches are kept
per line and only the changed lines are searched again, so the publish leaves at once: an editor
row read against it is the editor's own cost of that many diagnostics, not grepls's. Literal
patterns and ASCII text only (columns are code points) — the bench's files.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

LINE_BREAK = re.compile(r"\r\n|\r|\n")
MATCHES_IN_LINES = "grepls.matchesInLines"


def read_message(stream: Any) -> Any:
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        return None
    return json.loads(stream.read(length))


def write_message(message: Any) -> None:
    body = json.dumps(message).encode()
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    sys.stdout.buffer.flush()


def publish(uri: str, version: Any, line: int) -> None:
    diagnostic = {
        "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 4}},
        "severity": 3,
        "source": "grepls",
        "message": 'matches "TODO"',
    }
    params = {"uri": uri, "diagnostics": [diagnostic]}
    if version is not None:
        params["version"] = version
    write_message({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params})


class AllMatches:
    """Every open document's lines and, per line, the columns where the pattern starts."""

    def __init__(self, pattern: str, cap: int) -> None:
        self.pattern = pattern
        self.cap = cap
        self.lines: dict[str, list[str]] = {}
        self.hits: dict[str, dict[int, list[int]]] = {}
        self.order: dict[str, list[int]] = {}
        """Each document's lines with matches, sorted (made again when that set changes)."""
        self.made: dict[tuple[int, int], str] = {}

    def columns(self, text: str) -> list[int]:
        found, start = [], text.find(self.pattern)
        while start >= 0 and self.pattern:
            found.append(start)
            start = text.find(self.pattern, start + len(self.pattern))
        return found

    def search(self, uri: str, first: int, last: int) -> None:
        lines, hits = self.lines[uri], self.hits[uri]
        for number in range(first, last):
            had = number in hits
            if columns := self.columns(lines[number]):
                hits[number] = columns
            else:
                hits.pop(number, None)
            if had != (number in hits):
                self.order.pop(uri, None)

    def open(self, uri: str, text: str) -> None:
        self.lines[uri] = LINE_BREAK.split(text)
        self.hits[uri] = {}
        self.order.pop(uri, None)
        self.search(uri, 0, len(self.lines[uri]))

    def change(self, uri: str, changes: list[dict[str, Any]]) -> None:
        lines = self.lines[uri]
        for change in changes:
            if "range" not in change:
                self.open(uri, change["text"])
                lines = self.lines[uri]
                continue
            start, end = change["range"]["start"], change["range"]["end"]
            head = lines[start["line"]][: start["character"]]
            tail = lines[end["line"]][end["character"] :]
            replaced = LINE_BREAK.split(head + change["text"] + tail)
            lines[start["line"] : end["line"] + 1] = replaced
            if len(replaced) == end["line"] - start["line"] + 1:
                self.search(uri, start["line"], start["line"] + len(replaced))
            else:  # lines moved: every match's line with them (not the bench's keystrokes)
                self.open(uri, "\n".join(lines))
                lines = self.lines[uri]

    def diagnostic(self, line: int, column: int) -> str:
        """One match's diagnostic as JSON, made once and kept: the publish only joins them."""
        key = (line, column)
        made = self.made.get(key)
        if made is None:
            made = json.dumps(
                {
                    "range": {
                        "start": {"line": line, "character": column},
                        "end": {"line": line, "character": column + len(self.pattern)},
                    },
                    "severity": 3,
                    "code": "search",
                    "source": "grepls",
                    "message": f"matches {json.dumps(self.pattern)}",
                }
            )
            self.made[key] = made
        return made

    def publish(self, uri: str, version: Any) -> None:
        hits = self.hits[uri]
        order = self.order.get(uri)
        if order is None:
            order = self.order[uri] = sorted(hits)
        shown: list[str] = []
        for line in order:
            for column in hits[line]:
                if len(shown) < self.cap:
                    shown.append(self.diagnostic(line, column))
        version_field = "" if version is None else f',"version":{json.dumps(version)}'
        body = (
            '{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":'
            f'{{"uri":{json.dumps(uri)}{version_field},"diagnostics":[{",".join(shown)}]}}}}'
        ).encode()
        sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        sys.stdout.buffer.flush()


def first_changed_line(old: str, new: str) -> int:
    """The line of the first character where ``new`` differs from ``old``, when the change
    inserts text; else 0, as for ranged changes that remove text. Compared a block at a time,
    then by bisection inside the block that differs: a few slice comparisons at C speed."""
    if len(new) <= len(old):
        return 0
    block, low = 65536, 0
    while low < len(old) and old[low : low + block] == new[low : low + block]:
        low += block
    high = min(low + block, len(old))
    while low < high:  # old[:low] == new[:low]; they differ before high, or old ends there
        middle = (low + high + 1) // 2
        if old[low:middle] == new[low:middle]:
            low = middle
        else:
            high = middle - 1
    return new.count("\n", 0, low)


def main() -> int:
    all_matches: AllMatches | None = None
    texts: dict[str, str] = {}  # each document's text, for editors that send it whole
    versions: dict[str, Any] = {}  # each document's version, and the line of its one match
    drawn: dict[str, int] = {}
    pulls = False  # the client declares pull diagnostics: grepls publishes it nothing
    stdin = sys.stdin.buffer
    while (message := read_message(stdin)) is not None:
        method, params = message.get("method"), message.get("params") or {}
        if "id" in message and method is None:
            continue  # a response to nothing we asked
        result: Any = None
        if method == "initialize":
            if "--all-matches" in sys.argv:
                options = params.get("initializationOptions") or {}
                pattern = options.get("pattern")
                cap = options.get("maxMatchesPerDocument")
                all_matches = AllMatches(
                    pattern if isinstance(pattern, str) and pattern else "TODO",
                    cap if isinstance(cap, int) else 1000,
                )
            capabilities = params.get("capabilities") or {}
            pulls = (
                "diagnostic" in (capabilities.get("textDocument") or {})
                and ((capabilities.get("workspace") or {}).get("diagnostics") or {}).get(
                    "refreshSupport"
                )
                is True
            )
            offered = capabilities.get("general", {})
            utf8 = (offered.get("positionEncodings") or ["utf-16"])[0] == "utf-8"
            result = {
                "capabilities": {
                    # Its one diagnostic is ASCII: the same columns in either encoding.
                    "positionEncoding": "utf-8" if utf8 else "utf-16",
                    "textDocumentSync": {"openClose": True, "change": 2},
                    "executeCommandProvider": {
                        "commands": ["grepls.setPattern", "grepls.clearPattern", MATCHES_IN_LINES]
                    },
                },
                "serverInfo": {"name": "grepls-floor"},
            }
        elif method == "workspace/executeCommand" and params.get("command") == MATCHES_IN_LINES:
            # grepls's Vim plugin draws the lines on screen from this: its one match, if there.
            uri, first, last = params["arguments"]
            line = drawn.get(uri, 0)
            matches = {"search": [line, 0, 4]} if first <= line < last else {}
            counts = [{"id": "search", "pattern": "TODO", "matches": 1, "complete": True}]
            result = {"version": versions.get(uri, 0), "matches": matches, "counts": counts}
        elif method == "workspace/executeCommand":
            arguments = params.get("arguments") or [None]
            pattern = arguments[0] if arguments else None
            if isinstance(pattern, dict):
                pattern = pattern.get("pattern")
            result = {"pattern": pattern, "matches": 1, "complete": True}
        elif method == "textDocument/didOpen" and all_matches is not None:
            document = params["textDocument"]
            all_matches.open(document["uri"], document["text"])
            all_matches.publish(document["uri"], document.get("version"))
        elif method == "textDocument/didChange" and all_matches is not None:
            document = params["textDocument"]
            all_matches.change(document["uri"], params.get("contentChanges", []))
            all_matches.publish(document["uri"], document.get("version"))
        elif method == "textDocument/didOpen":
            document = params["textDocument"]
            texts[document["uri"]] = document["text"]
            versions[document["uri"]], drawn[document["uri"]] = document.get("version"), 0
            if not pulls:
                publish(document["uri"], document.get("version"), 0)
        elif method == "textDocument/didChange":
            document = params["textDocument"]
            line = 0
            changes = params.get("contentChanges", [])
            if changes and "range" not in changes[-1]:  # the whole text (ALE sends no other)
                text = changes[-1]["text"]
                line = first_changed_line(texts.get(document["uri"], ""), text)
                texts[document["uri"]] = text
                changes = []
            for change in changes:
                if "range" in change and change.get("text"):  # the first that inserts
                    line = change["range"]["start"]["line"]
                    if change["text"].startswith("\n"):  # inserted after a line's end
                        line += 1
                    break
            versions[document["uri"]], drawn[document["uri"]] = document.get("version"), line
            if not pulls:
                publish(document["uri"], document.get("version"), line)
        elif method == "exit":
            return 0
        elif "id" in message and method != "shutdown":
            write_message(
                {
                    "jsonrpc": "2.0",
                    "id": message["id"],
                    "error": {"code": -32601, "message": f"{method} not served"},
                }
            )
            continue
        if "id" in message:
            write_message({"jsonrpc": "2.0", "id": message["id"], "result": result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
