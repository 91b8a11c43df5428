"""Command line: ``grepls`` (or ``python -m grepls``) serves LSP on stdio, TCP or WebSocket."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from grepls import __version__
from grepls.trace import ENVIRONMENT as TRACE_ENVIRONMENT

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 2087


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
    parser.add_argument("--host", help=f"address --tcp/--ws bind (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=_port, help=f"port for --tcp/--ws (default {DEFAULT_PORT})")
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
    if not (arguments.tcp or arguments.ws):
        for flag, value in (("--host", arguments.host), ("--port", arguments.port)):
            if value is not None:  # or the user waits for a socket that never listens
                parser.error(f"{flag} goes with --tcp or --ws; without them grepls serves stdio")
    arguments.host = DEFAULT_HOST if arguments.host is None else arguments.host
    arguments.port = DEFAULT_PORT if arguments.port is None else arguments.port
    for flag, path in (
        ("--log-file", arguments.log_file),
        ("--trace-timing", arguments.trace_timing),
    ):
        if path is not None and (problem := _not_writable(path)):
            parser.error(f"{flag} {path}: {problem}")
    if arguments.ws and not _has_websockets():
        parser.error(
            "--ws needs the websockets package: install grepls with its ws extra (from a "
            "checkout: pipx install --force '.[ws]'), or websockets beside it"
        )
    return arguments


def _has_websockets() -> bool:
    try:
        import websockets  # noqa: F401
    except ImportError:
        return False
    return True


def _port(text: str) -> int:
    """A TCP port: 0 (any free one) to 65535."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a port (0 to 65535): {text!r}")
    return value


def _not_writable(path: str) -> str | None:
    """Why a log or trace cannot be appended to ``path``, if it cannot: said at once, as a usage
    error, rather than as a traceback."""
    try:
        with open(path, "a", encoding="utf-8"):
            return None
    except OSError as error:
        return error.strerror or str(error)


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
    from grepls.transport import ListenError, serve_stdio, serve_tcp, serve_ws

    server = create_server()
    if arguments.trace_timing:
        from grepls.trace import TimingTrace

        server.endpoint.trace = TimingTrace(arguments.trace_timing)
    if not (arguments.tcp or arguments.ws):
        return serve_stdio(server, arguments.client_process_id)
    serve = serve_tcp if arguments.tcp else serve_ws
    try:
        return serve(server, arguments.host, arguments.port, arguments.client_process_id)
    except ListenError as error:
        print(f"grepls: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
