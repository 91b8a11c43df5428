"""The session: what client and server agreed at ``initialize``, and the capabilities we answer.

Read once from the ``initialize`` params, as plain JSON (capabilities are optional all the way
down, so every look-up tolerates a missing or malformed step):

* the **position encoding**: the first of the client's ``general.positionEncodings`` that grepls
  speaks (``utf-8``, ``utf-16``, ``utf-32``), else UTF-16, the LSP default;
* the **delivery model**: *pull* when the client declares ``textDocument.diagnostic`` together with
  ``workspace.diagnostics.refreshSupport`` (it can be told to pull again when matches change
  without an edit), else *push* (``textDocument/publishDiagnostics``) — never both, or every match
  would be shown twice;
* whether the client answers ``workspace/configuration``;
* whether it takes **semantic tokens** (``textDocument.semanticTokens``): only then is the token
  legend offered (see :mod:`grepls.tokens`), and with ``workspace.semanticTokens.refreshSupport``
  it is told to ask again when the patterns change;
* what it can do with a workspace edit (for ``grepls.replace``, see :mod:`grepls.replace`): apply
  one at all (``workspace.applyEdit``), check each document's version (``documentChanges``), show
  an annotation and ask before applying (``changeAnnotationSupport``), and whether it takes code
  actions as literals (``textDocument.codeAction.codeActionLiteralSupport``) or only as commands;
* for the workspace scope: the workspace folders (``workspaceFolders``, else ``rootUri``, else
  ``rootPath``), whether the client shows work-done progress, and whether it watches files for us
  (``workspace.didChangeWatchedFiles.dynamicRegistration``);
* the client's process id, so the server ends when its editor does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grepls import __version__
from grepls.params import dig, mapping
from grepls.positions import Encoding
from grepls.tokens import LEGEND
from grepls.workspace import folders_from_initialize

_ENCODINGS: tuple[Encoding, ...] = ("utf-8", "utf-16", "utf-32")

CODE_ACTION_KINDS = ("quickfix", "refactor.rewrite")
"""What ``textDocument/codeAction`` offers on a match: remove it (a quick fix), or replace it or
every match in the file (a rewrite that asks for the replacement)."""


@dataclass(frozen=True, slots=True)
class Session:
    """What was negotiated."""

    encoding: Encoding = "utf-16"
    pull: bool = False
    configuration: bool = False
    """Whether the client answers ``workspace/configuration``."""
    semantic_tokens: bool = False
    """Whether the client declares ``textDocument.semanticTokens``."""
    semantic_tokens_refresh: bool = False
    """Whether it can be told to ask for tokens again (``workspace/semanticTokens/refresh``)."""
    overlapping_tokens: bool = False
    """Whether it takes tokens that overlap (``overlappingTokenSupport``): two patterns' matches."""
    process_id: int | None = None
    initialization_options: Any = None
    apply_edit: bool = False
    """Whether the client applies ``workspace/applyEdit``."""
    document_changes: bool = False
    """Whether a workspace edit may carry versioned ``documentChanges``."""
    change_annotations: bool = False
    """Whether a workspace edit may carry change annotations (and ask before applying)."""
    code_action_literals: bool = False
    """Whether code actions may be ``CodeAction`` literals (else ``Command`` only)."""
    folders: tuple[str, ...] = ()
    """The workspace folders' paths."""
    progress: bool = False
    """Whether the client shows work-done progress (``window.workDoneProgress``)."""
    watch_registration: bool = False
    """Whether the client watches files for us once asked (dynamic registration)."""


def negotiate(params: Any) -> Session:
    """The session the ``initialize`` params ask for (raises InvalidParams if not an object)."""
    params = mapping(params, "params")
    capabilities = params.get("capabilities")
    offered = dig(capabilities, "general", "positionEncodings")
    encoding: Encoding = "utf-16"
    if isinstance(offered, list):
        encoding = next((e for e in offered if e in _ENCODINGS), "utf-16")
    pull = bool(
        dig(capabilities, "textDocument", "diagnostic") is not None
        and dig(capabilities, "workspace", "diagnostics", "refreshSupport") is True
    )
    tokens = isinstance(dig(capabilities, "textDocument", "semanticTokens"), dict)
    process_id = params.get("processId")
    workspace_edit = dig(capabilities, "workspace", "workspaceEdit")
    return Session(
        encoding=encoding,
        pull=pull,
        configuration=dig(capabilities, "workspace", "configuration") is True,
        semantic_tokens=tokens,
        semantic_tokens_refresh=tokens
        and dig(capabilities, "workspace", "semanticTokens", "refreshSupport") is True,
        overlapping_tokens=tokens
        and dig(capabilities, "textDocument", "semanticTokens", "overlappingTokenSupport") is True,
        # A process id is a positive 32-bit integer (LSP's integer); anything else is no process.
        process_id=process_id if type(process_id) is int and 0 < process_id < 2**31 else None,
        initialization_options=params.get("initializationOptions"),
        apply_edit=dig(capabilities, "workspace", "applyEdit") is True,
        document_changes=dig(workspace_edit, "documentChanges") is True,
        change_annotations=isinstance(dig(workspace_edit, "changeAnnotationSupport"), dict),
        code_action_literals=isinstance(
            dig(capabilities, "textDocument", "codeAction", "codeActionLiteralSupport"), dict
        ),
        folders=folders_from_initialize(params),
        progress=dig(capabilities, "window", "workDoneProgress") is True,
        watch_registration=dig(
            capabilities, "workspace", "didChangeWatchedFiles", "dynamicRegistration"
        )
        is True,
    )


def initialize_result(session: Session, commands: list[str]) -> dict[str, Any]:
    """The ``initialize`` result: what grepls offers this client."""
    capabilities: dict[str, Any] = {
        "positionEncoding": session.encoding,
        "textDocumentSync": {"openClose": True, "change": 2},  # incremental
        "documentHighlightProvider": True,
        "executeCommandProvider": {"commands": commands},
        "codeActionProvider": {"codeActionKinds": list(CODE_ACTION_KINDS)},
        "workspace": {"workspaceFolders": {"supported": True, "changeNotifications": True}},
    }
    if session.pull:
        # Only for clients that pull: advertising it to a client we push to would invite it to
        # pull as well, and every match would be shown twice.
        capabilities["diagnosticProvider"] = {
            "identifier": "grepls",
            "interFileDependencies": False,
            # Closed files of the workspace scope (see grepls.workspace); while the scope is the
            # open documents, a workspace request waits for news that do not come.
            "workspaceDiagnostics": True,
        }
    if session.semantic_tokens:
        capabilities["semanticTokensProvider"] = {
            "legend": LEGEND,
            "full": {"delta": True},
            "range": False,
        }
    return {"capabilities": capabilities, "serverInfo": {"name": "grepls", "version": __version__}}
