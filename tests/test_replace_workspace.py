"""End to end: a replace with scope "workspace" reaches the files that are not open — read from
disk again, sent with version null — beside the open documents, which keep their versions."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from grepls.client import Client


def edits_by_uri(edit: dict[str, Any]) -> dict[str, tuple[Any, list[str]]]:
    return {
        change["textDocument"]["uri"]: (
            change["textDocument"]["version"],
            [e["newText"] for e in change["edits"]],
        )
        for change in edit["documentChanges"]
    }


def initialize_editing(client: Client, root: Path) -> None:
    """An editor that applies versioned workspace edits, the workspace scope on ``root``."""
    client.initialize(
        None,
        capabilities={"workspace": {"applyEdit": True, "workspaceEdit": {"documentChanges": True}}},
        options={"scope": "workspace"},
        root_uri=root.as_uri(),
    )


def wait_published(client: Client, *uris: str, timeout: float = 20) -> None:
    """Drain until every one of ``uris`` has been published (a scan runs after the answer)."""
    deadline = time.monotonic() + timeout
    while any(client.published(uri) is None for uri in uris):
        assert time.monotonic() < deadline, f"never published: {uris}"
        client.drain(0.05)


def test_replace_in_the_workspace_scope_reaches_closed_files(tmp_path: Path) -> None:
    (tmp_path / "closed.txt").write_text("one TODO\ntwo TODO\n", encoding="utf-8")
    (tmp_path / "open.txt").write_text("on disk TODO\n", encoding="utf-8")
    (tmp_path / "none.txt").write_text("nothing here\n", encoding="utf-8")
    with Client.start(timeout=20) as client:
        initialize_editing(client, tmp_path)
        opened = (tmp_path / "open.txt").as_uri()
        client.open(opened, "in the editor TODO TODO\n", version=7)
        client.command("grepls.setPattern", "TODO")
        closed = (tmp_path / "closed.txt").as_uri()
        wait_published(client, closed)
        reply = client.command("grepls.replace", {"replacement": "DONE", "scope": "workspace"})
        assert reply["result"] == {"applied": True, "files": 2, "replacements": 4}
        (asked,) = [r for r in client.server_requests if r.method == "workspace/applyEdit"]
        assert edits_by_uri(asked.params["edit"]) == {
            opened: (7, ["DONE", "DONE"]),
            closed: (None, ["DONE", "DONE"]),
        }


def test_replace_in_the_workspace_scope_is_refused_while_the_scope_is_open_documents() -> None:
    with Client.start(timeout=20) as client:
        client.initialize(None, capabilities={"workspace": {"applyEdit": True}})
        client.open("file:///tmp/a.txt", "TODO\n")
        client.command("grepls.setPattern", "TODO")
        reply = client.command("grepls.replace", {"replacement": "x", "scope": "workspace"})
        assert reply["error"]["code"] == -32602
        assert "workspace scope, which is off" in reply["error"]["message"]


def test_a_replace_asked_during_the_workspace_search_waits_for_it_and_misses_no_file(
    tmp_path: Path,
) -> None:
    """Asked right after the pattern is set, the search has reached few files if any: the
    replace waits for its end rather than answer "0 files" (it was silently partial)."""
    files = 1_500
    for number in range(files):
        (tmp_path / f"f{number:05}.txt").write_text("filler\n" * 30 + "TODO\n", encoding="utf-8")
    with Client.start(timeout=60) as client:
        client.initialize(None, options={"scope": "workspace"}, root_uri=tmp_path.as_uri())
        client.command("grepls.setPattern", "TODO")
        reply = client.command(
            "grepls.replace", {"replacement": "DONE", "scope": "workspace", "dryRun": True}
        )
        assert (reply["result"]["files"], reply["result"]["replacements"]) == (files, files)


def test_a_replace_after_the_search_stopped_at_its_cap_is_refused_saying_why(
    tmp_path: Path,
) -> None:
    for number in range(20):
        (tmp_path / f"f{number:02}.txt").write_text("TODO\n", encoding="utf-8")
    with Client.start(timeout=20) as client:
        client.initialize(
            None,
            capabilities={"workspace": {"applyEdit": True}, "window": {"workDoneProgress": True}},
            options={"scope": "workspace", "maxWorkspaceMatches": 5},
            root_uri=tmp_path.as_uri(),
        )
        client.command("grepls.setPattern", "TODO")
        deadline = time.monotonic() + 20
        while not any("maxWorkspaceMatches" in m["message"] for m in client.shown()):
            assert time.monotonic() < deadline, "the search was never cut"
            client.drain(0.05)
        reply = client.command("grepls.replace", {"replacement": "DONE", "scope": "workspace"})
        assert reply["error"]["code"] == -32602
        assert "stopped before it searched every file" in reply["error"]["message"]
        assert "grepls.maxWorkspaceMatches" in reply["error"]["message"]
        assert not [r for r in client.server_requests if r.method == "workspace/applyEdit"]


def test_a_closed_file_that_is_not_utf8_is_left_out_of_a_replace_and_named(
    tmp_path: Path,
) -> None:
    """A closed file whose bytes are not all UTF-8 would be opened by the editor with those bytes
    replaced, and saved after the edit without them: it is left out, and the reply and a message
    say so. Its matches are still shown; a UTF-8 file beside it is replaced."""
    (tmp_path / "utf8.txt").write_text("café TODO\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("café TODO\n".encode("latin-1"))
    with Client.start(timeout=20) as client:
        initialize_editing(client, tmp_path)
        client.command("grepls.setPattern", "TODO")
        latin1, utf8 = (tmp_path / "latin1.txt").as_uri(), (tmp_path / "utf8.txt").as_uri()
        wait_published(client, latin1, utf8)
        reply = client.command("grepls.replace", {"replacement": "DONE", "scope": "workspace"})
        reason = "not UTF-8: opened in an editor, its other bytes would be replaced"
        assert reply["result"] == {
            "applied": True,
            "files": 1,
            "replacements": 1,
            "skipped": [{"uri": latin1, "reason": reason}],
        }
        (asked,) = [r for r in client.server_requests if r.method == "workspace/applyEdit"]
        assert edits_by_uri(asked.params["edit"]) == {utf8: (None, ["DONE"])}
        said = [
            n.params["message"] for n in client.notifications if n.method == "window/showMessage"
        ]
        assert said == [
            f"grepls: 1 file with matches left out of the replace: "
            f"{tmp_path / 'latin1.txt'} ({reason})"
        ]
        # A preview (dryRun) says it in its reply only.
        preview = client.command(
            "grepls.replace", {"replacement": "DONE", "scope": "workspace", "dryRun": True}
        )
        assert preview["result"]["skipped"] == [{"uri": latin1, "reason": reason}]
        client.drain(0.1)
        assert len([n for n in client.notifications if n.method == "window/showMessage"]) == 1


def test_a_closed_file_with_a_lone_carriage_return_before_a_match_is_left_out(
    tmp_path: Path,
) -> None:
    """LSP ends a line at a lone \\r, Vim, Neovim and Emacs do not: the edit would land a line
    off in those editors. Left out and named; a lone \\r after the last match is harmless."""
    (tmp_path / "mac.txt").write_bytes(b"old\rmac\nTODO\n")
    (tmp_path / "after.txt").write_bytes(b"TODO\rold mac\n")
    with Client.start(timeout=20) as client:
        initialize_editing(client, tmp_path)
        client.command("grepls.setPattern", "TODO")
        mac, after = (tmp_path / "mac.txt").as_uri(), (tmp_path / "after.txt").as_uri()
        wait_published(client, mac, after)
        reply = client.command("grepls.replace", {"replacement": "DONE", "scope": "workspace"})
        (skipped,) = reply["result"].pop("skipped")
        assert reply["result"] == {"applied": True, "files": 1, "replacements": 1}
        assert skipped["uri"] == mac
        assert skipped["reason"].startswith("line 1 ends in a lone carriage return")
        (asked,) = [r for r in client.server_requests if r.method == "workspace/applyEdit"]
        assert edits_by_uri(asked.params["edit"]) == {after: (None, ["DONE"])}


def test_a_replace_refused_says_only_why(tmp_path: Path) -> None:
    """An editor that cannot apply edits is refused, and not also told of files left out of a
    replace that never happened."""
    (tmp_path / "latin1.txt").write_bytes("café TODO\n".encode("latin-1"))
    (tmp_path / "utf8.txt").write_text("café TODO\n", encoding="utf-8")
    with Client.start(timeout=20) as client:
        client.initialize(None, options={"scope": "workspace"}, root_uri=tmp_path.as_uri())
        client.command("grepls.setPattern", "TODO")
        latin1 = (tmp_path / "latin1.txt").as_uri()
        wait_published(client, latin1)
        reply = client.command("grepls.replace", {"replacement": "DONE", "scope": "workspace"})
        # What is wrong, as the editor shows it: no "invalid params for workspace/..." before it.
        assert reply["error"]["message"].startswith("grepls.replace: this editor does not apply")
        client.drain(0.2)
        assert not [n for n in client.notifications if n.method == "window/showMessage"]


def test_a_replace_waiting_for_the_editor_is_answered_at_shutdown() -> None:
    """Every request gets its answer: a replace whose edit the editor has not answered yet when
    the session shuts down is answered ServerCancelled (it waited for ever)."""
    shutdown: list[int] = []

    def shut_down_first(params: object) -> object:
        # The editor is still asking its user when it is told to quit: shutdown goes first.
        shutdown.append(client.send_request("shutdown"))
        return {"applied": True}

    with Client.start(timeout=20, answers={"workspace/applyEdit": shut_down_first}) as client:
        client.initialize(None, capabilities={"workspace": {"applyEdit": True}})
        client.open("file:///pending.txt", "TODO x\nTODO\n")
        client.command("grepls.setPattern", "TODO")
        waiting = client.send_request(
            "workspace/executeCommand",
            {"command": "grepls.replace", "arguments": [{"replacement": "DONE"}]},
        )
        answer = client.response(waiting)
        assert answer["error"]["code"] == -32802, answer
        assert "shutting down" in answer["error"]["message"]
        assert client.response(shutdown[0])["result"] is None
