"""Command line: ``grepls`` (or ``python -m grepls``) serves LSP on stdio, TCP or WebSocket."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from grepls import __version__
from grepls.trace import ENVIRONMENT as TRACE_ENVIRONMENT


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="grepls",
        description="Live grep for every editor: a language server that publishes the matches of "
        "a pattern as diagnostics and highlights. Serves LSP on stdio unless told otherwise.",
    )
    parser.add_argument("--version", action="version", version=f"grepls {__version__}")
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument("--stdio", action="store_true", help="serve on stdin/stdout (default)")
    transport.add_argument("--tcp", action="store_true", help="serve one client over TCP")
    transport.add_argument("--ws", action="store_true", help="serve over WebSocket")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2087, help="port for --tcp/--ws (default 2087)")
    parser.add_argument("--log-file", help="write the server's log to this file")
    parser.add_argument(
        "--log-level",
        default="WARNING",
        type=str.upper,  # --log-level debug, as most tools take it
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level (default WARNING)",
    )
    parser.add_argument(
        "--clientProcessId",
        "--client-process-id",
        dest="client_process_id",
        type=_process_id,
        help="exit when this process ends (also taken from initialize's processId)",
    )
    parser.add_argument(
        "--trace-timing",
        metavar="FILE",
        default=os.environ.get(TRACE_ENVIRONMENT) or None,
        help="append to FILE, as JSON lines, the CLOCK_MONOTONIC time (ns) each message was read "
        "whole and each answer or notification written whole, with its method and id; kept in "
        f"memory and written when idle or at exit (also ${TRACE_ENVIRONMENT}). For measuring the "
        "server's share of a keystroke: didChange in -> publishDiagnostics out",
    )
    arguments = parser.parse_args(argv)
    if arguments.ws and not _has_websockets():
        parser.error(
            "--ws needs the websockets package: install grepls with its ws extra (from a "
            "checkout: pipx install '.[ws]'), or websockets beside it"
        )
    return arguments


def _has_websockets() -> bool:
    try:
        import websockets  # noqa: F401
    except ImportError:
        return False
    return True


def _process_id(text: str) -> int:
    """A process id: a positive 32-bit integer."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 0 < value < 2**31:
        raise argparse.ArgumentTypeError(f"not a process id: {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    # Logs go to a file or stderr, never stdout: stdout carries the protocol.
    handler: logging.Handler = (
        logging.FileHandler(arguments.log_file) if arguments.log_file else logging.StreamHandler()
    )
    logging.basicConfig(
        level=getattr(logging, arguments.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[handler],
    )
    if not arguments.ws:
        # stdio and loopback TCP never need TLS; keeping asyncio from loading OpenSSL saves about
        # 4 MB of resident memory in every editor that runs grepls. (WebSocket libraries want it.)
        sys.modules.setdefault("ssl", None)  # type: ignore[arg-type]
    from grepls.server import create_server
    from grepls.transport import serve_stdio, serve_tcp, serve_ws

    server = create_server()
    if arguments.trace_timing:
        from grepls.trace import TimingTrace

        server.endpoint.trace = TimingTrace(arguments.trace_timing)
    if arguments.tcp:
        return serve_tcp(server, arguments.host, arguments.port, arguments.client_process_id)
    if arguments.ws:
        return serve_ws(server, arguments.host, arguments.port, arguments.client_process_id)
    return serve_stdio(server, arguments.client_process_id)


if __name__ == "__main__":
    sys.exit(main())
