"""The demo: what an editor receives from grepls, printed as ``path:line:col: message``.

``python -m grepls.demo FILE... --pattern TODO`` starts the real server (``python -m grepls``) as a
child process, talks LSP to it over its stdin/stdout exactly as an editor does — initialize, open
each file, ``workspace/executeCommand grepls.setPattern`` — and prints every diagnostic it
publishes, with 1-based lines and columns like grep and compilers print them (columns count
characters, as editors show them). Then it edits the first file and prints what changed, and shuts
the server down. The conversation goes through :mod:`grepls.client`, the raw client the tests and
the benchmark use too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grepls.client import Client, edit
from grepls.lines import split_lines
from grepls.positions import column_to_index


def print_matches(client: Client, files: dict[str, Path], texts: dict[str, str]) -> None:
    for uri, path in files.items():
        lines, _ = split_lines(texts[uri])
        last = client.published(uri)
        published = [] if last is None else last["diagnostics"]
        for diagnostic in sorted(
            published, key=lambda d: (d["range"]["start"]["line"], d["range"]["start"]["character"])
        ):
            start = diagnostic["range"]["start"]
            column = column_to_index(lines[start["line"]], start["character"], "utf-16")
            print(f"{path}:{start['line'] + 1}:{column + 1}: {diagnostic['message']}")


def run(paths: list[Path], pattern: str, regex: bool) -> int:
    with Client.start(timeout=30) as client:
        client.initialize(None)
        files = {path.resolve().as_uri(): path for path in paths}
        texts = {uri: path.read_text(encoding="utf-8") for uri, path in files.items()}
        for uri, text in texts.items():
            client.open(uri, text)
        result = client.result(
            "workspace/executeCommand",
            {"command": "grepls.setPattern", "arguments": [{"pattern": pattern, "regex": regex}]},
        )
        client.settle()
        print(f"# grepls.setPattern {pattern!r} -> {result['matches']} matches")
        print_matches(client, files, texts)

        # Type a new match at the top of the first file, as an editor would send it.
        first = next(iter(files))
        client.change(first, 2, [edit((0, 0), (0, 0), f"{pattern} typed in the editor\n")])
        texts[first] = f"{pattern} typed in the editor\n" + texts[first]
        client.settle()
        print(f"# after typing a line at the top of {files[first]}:")
        print_matches(client, {first: files[first]}, texts)

        client.request("shutdown")
        client.notify("exit")
        assert client.process is not None
        return client.process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--pattern", default="TODO")
    parser.add_argument("--regex", action="store_true")
    arguments = parser.parse_args()
    return run(arguments.files, arguments.pattern, arguments.regex)


if __name__ == "__main__":
    sys.exit(main())
