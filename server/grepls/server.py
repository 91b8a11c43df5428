"""The server: where each LSP method is wired to the module that serves it — once, in one table.

Every message reaches :meth:`~grepls.rpc.Endpoint.receive`, whatever the transport, and is routed
by the table :func:`create_server` builds. The road of one keystroke::

    transport (cuts a frame) → rpc.Endpoint (parses, gates, routes) → params.did_change (shape)
      → documents.Documents.change → document.Document.apply → lines.LineStore (splice)
      → coroutine.grep (matches of the touched lines) → index.MatchIndex
      … after the burst: publisher.Publisher.flush → render → the transport's writer

The server object holds the state each concern needs and nothing else: the negotiated
:class:`~grepls.session.Session`, the :class:`~grepls.settings.Settings` in force, the
:class:`~grepls.documents.Documents` and the :class:`~grepls.publisher.Publisher`. Commands live in
:mod:`grepls.commands`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from grepls import params
from grepls.commands import COMMANDS, run_command
from grepls.documents import Documents
from grepls.pattern import Matcher, PatternError, PatternSpec
from grepls.publisher import Publisher
from grepls.queries import Highlights
from grepls.render import DiagnosticRenderer
from grepls.rpc import Endpoint, Route
from grepls.session import Session, initialize_result, negotiate
from grepls.settings import Settings, parse_settings, plan
from grepls.tokens import SemanticTokens

logger = logging.getLogger(__name__)

WARNING = 2  # window/showMessage's MessageType.Warning


class Server:
    """One client's grepls: its session, settings, documents and publisher."""

    session: Session
    settings: Settings
    search: PatternSpec | None
    """The active pattern, as asked for (``None``: none)."""

    def __init__(self) -> None:
        self.endpoint = Endpoint()
        self.session = Session()
        self.settings = Settings()
        self.search = None
        self.documents = Documents()
        self.publisher = Publisher(self.endpoint, self.documents)
        self.highlights = Highlights()
        self.tokens = SemanticTokens()
        self._reported: set[str] = set()
        """The settings problems the user was last told about."""
        self._tokens_stale = False
        """The client must be told to ask for semantic tokens again (a new pattern)."""

    def after_batch(self) -> None:
        """Every message received so far is handled: show what changed."""
        self.publisher.flush()
        if self._tokens_stale and self.endpoint.state == "running":
            self._tokens_stale = False
            self.endpoint.request("workspace/semanticTokens/refresh", None, _ignore)

    def show_message(self, message: str) -> None:
        self.endpoint.notify("window/showMessage", {"type": WARNING, "message": message})

    # -- patterns and settings ---------------------------------------------------------------

    def set_pattern(self, spec: PatternSpec | None) -> None:
        """Make ``spec`` the active pattern, or clear it; raises PatternError, changing nothing."""
        matcher = Matcher(spec, self.session.encoding) if spec is not None else None
        self.search = spec
        self._bind(matcher)

    def _bind(self, matcher: Matcher | None) -> None:
        cap = self.settings.max_matches_per_document
        self.documents.rebind(matcher, cap)
        self.highlights.forget()
        self.tokens.forget()
        self.publisher.configure(_renderer(matcher, self.settings), cap)
        # The client holds tokens of the old pattern: at the next flush, tell it to ask again.
        self._tokens_stale = self.session.semantic_tokens_refresh

    def apply_settings(self, raw: Any) -> None:
        """Take new settings: report bad keys, then do what the difference requires, once."""
        new, problems = parse_settings(raw)
        # The same bad value arrives again with every update (and twice at start-up: in the
        # options, then from workspace/configuration): tell the user once.
        for problem in problems:
            if problem not in self._reported:
                self.show_message(problem)
        self._reported = set(problems)
        actions = plan(self.settings, new)
        matcher = self.documents.matcher
        if actions.pattern is not None:
            try:
                matcher = Matcher(actions.pattern, self.session.encoding)
                self.search = actions.pattern
            except PatternError as error:
                self.show_message(f"grepls.pattern ignored: {error}")
                new = dataclasses.replace(new, pattern=self.settings.pattern)
                actions = plan(self.settings, new)
        self.settings = new
        if actions.rebind or actions.pattern is not None:
            self._bind(matcher)
        elif actions.rerender:
            self.publisher.configure(_renderer(matcher, new), new.max_matches_per_document)

    def fetch_configuration(self) -> None:
        """Ask the client for the ``grepls`` section; it refines the initialization options."""

        def received(result: Any) -> None:
            section = result[0] if isinstance(result, list) and result else None
            merged = _section(self.session.initialization_options)
            if isinstance(section, dict):
                merged = {**merged, **section}
            elif section is not None:
                merged = section
            self.apply_settings(merged)
            self.after_batch()

        self.endpoint.request(
            "workspace/configuration", {"items": [{"section": "grepls"}]}, received
        )

    # -- the protocol ------------------------------------------------------------------------

    def initialize(self, raw: Any) -> dict[str, Any]:
        self.session = negotiate(raw)
        self.publisher.pull = self.session.pull
        self.endpoint.state = "running"
        if self.session.initialization_options is not None:
            try:
                self.apply_settings(self.session.initialization_options)
            except Exception:  # a bad setting must never stop the server from starting
                logger.exception("initialization options failed")
                self.show_message("grepls: the initialization options could not be applied")
        return initialize_result(self.session, list(COMMANDS))

    def initialized(self, raw: Any) -> None:
        if self.session.configuration:
            self.fetch_configuration()

    def shutdown(self, raw: Any) -> None:
        self.endpoint.state = "shutdown"

    def did_open(self, raw: Any) -> None:
        uri, version, text = params.did_open(raw)
        self.documents.open(uri, version, text)
        if self.documents.matcher is not None:
            self.publisher.mark(uri)

    def did_change(self, raw: Any) -> None:
        uri, version, changes = params.did_change(raw)
        if self.documents.change(uri, version, changes, self.session.encoding):
            self.publisher.mark(uri)

    def did_close(self, raw: Any) -> None:
        uri = params.document_uri(raw)
        if self.documents.close(uri):
            self.publisher.closed(uri)
            self.tokens.closed(uri)

    def did_change_configuration(self, raw: Any) -> None:
        """Re-read the settings: pulled when the client can answer, else taken from the push."""
        if self.session.configuration:
            self.fetch_configuration()
            return
        settings = params.dig(raw, "settings")
        if isinstance(settings, dict) and "grepls" in settings:
            self.apply_settings(settings["grepls"])

    def document_diagnostic(self, raw: Any) -> bytes:
        uri = params.document_uri(raw)
        previous = params.optional_string(raw.get("previousResultId"), "previousResultId")
        return self.publisher.report(uri, previous)

    def document_highlight(self, raw: Any) -> bytes:
        uri = params.document_position(raw)
        cap = self.settings.max_matches_per_document
        return self.highlights.answer(self.documents.get(uri), uri, cap)

    def semantic_tokens_full(self, raw: Any) -> bytes:
        uri = params.document_uri(raw)
        cap = self.settings.max_matches_per_document
        return self.tokens.full(self.documents.get(uri), uri, cap)

    def semantic_tokens_delta(self, raw: Any) -> bytes:
        uri = params.document_uri(raw)
        previous = params.string(raw.get("previousResultId"), "previousResultId")
        cap = self.settings.max_matches_per_document
        return self.tokens.delta(self.documents.get(uri), uri, cap, previous)

    def execute_command(self, raw: Any) -> Any:
        name, arguments = params.execute_command(raw)
        return run_command(self, name, arguments)


def create_server() -> Server:
    """A server with every method it serves routed."""
    server = Server()
    requests: dict[str, Callable[[Any], Any]] = {
        "initialize": server.initialize,
        "shutdown": server.shutdown,
        "textDocument/diagnostic": server.document_diagnostic,
        "textDocument/documentHighlight": server.document_highlight,
        "textDocument/semanticTokens/full": server.semantic_tokens_full,
        "textDocument/semanticTokens/full/delta": server.semantic_tokens_delta,
        "workspace/executeCommand": server.execute_command,
    }
    notifications: dict[str, Callable[[Any], None]] = {
        "initialized": server.initialized,
        "textDocument/didOpen": server.did_open,
        "textDocument/didChange": server.did_change,
        "textDocument/didClose": server.did_close,
        "workspace/didChangeConfiguration": server.did_change_configuration,
    }
    routes = server.endpoint.routes
    routes.update({method: Route(handler, True) for method, handler in requests.items()})
    routes.update({method: Route(handler, False) for method, handler in notifications.items()})
    return server


def _renderer(matcher: Matcher | None, settings: Settings) -> DiagnosticRenderer | None:
    """What renders diagnostics: nothing without a pattern, or with diagnostics turned off."""
    if matcher is None or not settings.diagnostics:
        return None
    return DiagnosticRenderer(matcher.spec, settings.severity)


def _ignore(result: object) -> None:
    """The client's answer to a refresh request carries nothing."""


def _section(options: Any) -> dict[str, Any]:
    """The ``grepls`` settings inside initialization options, which may or may not nest them."""
    if isinstance(options, dict):
        nested = options.get("grepls")
        return dict(nested) if isinstance(nested, dict) else dict(options)
    return {}
