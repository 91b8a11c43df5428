"""The README's editor snippets, as the tests see them.

The `editors` region of README.md holds one fenced code block per snippet, each right after an
HTML comment `<!-- snippet: NAME -->` that a reader never sees (a block inside a list item is
indented with it, and read without that indentation). The editor tests run exactly these blocks,
so the README cannot drift from what was proven.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"

_REGION = re.compile(r"<!-- BEGIN editors -->(.*?)<!-- END editors -->", re.S)
_SNIPPET = re.compile(
    r"<!-- snippet: (?P<name>[\w.-]+) -->\s*\n"
    r"(?P<indent> *)```(?P<lang>\w*)\n(?P<body>.*?)\n(?P=indent)```",
    re.S,
)


def editors_region(readme: Path = README) -> str:
    found = _REGION.search(readme.read_text(encoding="utf-8"))
    if found is None:
        raise LookupError(f"{readme} has no <!-- BEGIN editors --> region")
    return found.group(1)


def snippets(readme: Path = README) -> dict[str, tuple[str, str]]:
    """Every named snippet in the editors region: name -> (fence language, code)."""
    found: dict[str, tuple[str, str]] = {}
    for match in _SNIPPET.finditer(editors_region(readme)):
        name = match.group("name")
        if name in found:
            raise ValueError(f"snippet {name!r} appears twice in the README")
        found[name] = (match.group("lang"), textwrap.dedent(match.group("body")) + "\n")
    return found


# Where a snippet says a grepls checkout is (the README's readers put theirs there).
CHECKOUT_PLACEHOLDER = "/path/to/grepls"


def snippet(name: str) -> str:
    """The code of one snippet, with this checkout where it says ``/path/to/grepls`` (a client's
    files, on a runtime or load path); a missing snippet is an error, never an empty config."""
    try:
        code = snippets()[name][1]
    except KeyError:
        raise LookupError(f"README editors region has no snippet {name!r}") from None
    return code.replace(CHECKOUT_PLACEHOLDER, REPO.as_posix())


def clients_snippet(name: str, client: str) -> str:
    """A snippet that must put this checkout's ``clients/<client>`` on a path: an error if the
    README no longer says so (the test would otherwise run a copy installed elsewhere, or none)."""
    if f"{CHECKOUT_PLACEHOLDER}/clients/{client}" not in snippets()[name][1]:
        raise LookupError(
            f"the README's {name} no longer names {CHECKOUT_PLACEHOLDER}/clients/{client}"
        )
    return snippet(name)


def nvim_config_011() -> str:
    """The Neovim 0.11 snippet, this checkout's ``clients/neovim`` on the runtime path."""
    return clients_snippet("nvim-config-0.11", "neovim")


def nvim_highlights_config(modern: bool) -> str:
    """The README's snippet that paints grepls's matches in Neovim (0.11+, or 0.7-0.10 with this
    checkout's ``clients/neovim`` on the runtime path): to follow the config it belongs to."""
    if modern:
        return snippet("nvim-highlights")
    return clients_snippet("nvim-highlights-legacy", "neovim")


def vim_plugin_config() -> str:
    """The README's Vim plugin snippet, this checkout's ``clients/vim`` on the runtime path."""
    return clients_snippet("vim-grepls-config", "vim")
