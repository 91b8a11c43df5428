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


def snippet(name: str) -> str:
    """The code of one snippet; a missing snippet is an error, never an empty config."""
    try:
        return snippets()[name][1]
    except KeyError:
        raise LookupError(f"README editors region has no snippet {name!r}") from None


def nvim_config_011() -> str:
    """The Neovim 0.11 snippet, with this checkout's ``clients/neovim`` on the runtime path where
    the README says ``/path/to/grepls/clients/neovim``."""
    return snippet("nvim-config-0.11").replace(
        "/path/to/grepls/clients/neovim", (REPO / "clients" / "neovim").as_posix()
    )


def nvim_highlights_config(modern: bool) -> str:
    """The README's snippet that paints grepls's matches in Neovim (0.11+, or 0.7-0.10 with this
    checkout's ``clients/neovim`` on the runtime path where the README says
    ``/path/to/grepls/clients/neovim``): to follow the config it belongs to."""
    if modern:
        return snippet("nvim-highlights")
    text = snippet("nvim-highlights-legacy")
    if "/path/to/grepls/clients/neovim" not in text:
        raise LookupError("the README's nvim-highlights-legacy no longer names its path")
    return text.replace("/path/to/grepls/clients/neovim", (REPO / "clients" / "neovim").as_posix())


def vim_plugin_config() -> str:
    """The README's Vim plugin snippet, with this checkout's ``clients/vim`` on the runtime path
    where the README says ``/path/to/grepls/clients/vim``."""
    text = snippet("vim-grepls-config")
    if "/path/to/grepls/clients/vim" not in text:
        raise LookupError(
            "the README's vim-grepls-config no longer names /path/to/grepls/clients/vim"
        )
    return text.replace("/path/to/grepls/clients/vim", (REPO / "clients" / "vim").as_posix())
