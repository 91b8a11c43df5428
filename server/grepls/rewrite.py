"""Rewrite: what each match of a pattern is replaced with.

For a regex pattern, ``\\0`` to ``\\9`` in the replacement stand for the match and its groups and
``\\\\`` for a backslash (RE2's rewrite syntax); any other backslash, or a group the pattern lacks,
is refused with a message naming it. A literal pattern's replacement is inserted as it is. A
replacement that refers to no group is the same text for every match (:attr:`Rewrite.constant`),
so a replace of ten thousand matches renders it once.
"""

from __future__ import annotations

from grepls.engine import Compiled, error
from grepls.pattern import PatternSpec
from grepls.positions import SPAN
from grepls.rpc import InvalidParams

REPLACE = "grepls.replace"


class Rewrite:
    """What each match of one pattern is replaced with."""

    __slots__ = ("_core", "constant", "pieces")

    constant: str | None
    """The replacement, when it is the same for every match (a literal pattern, or a regex
    replacement without ``\\0`` to ``\\9``)."""
    pieces: list[str | int]
    """The replacement as text and group numbers, when it refers to groups."""
    _core: Compiled | None

    def __init__(self, replacement: str, spec: PatternSpec) -> None:
        self.constant = replacement
        self.pieces = []
        self._core = None
        if not spec.regex:
            return
        pieces = _rewrite_pieces(replacement)
        if all(isinstance(piece, str) for piece in pieces):
            self.constant = "".join(map(str, pieces))
            return
        self.constant = None
        self.pieces = pieces
        # The pattern alone, without a whole-word frame: its groups are the user's groups.
        try:
            self._core = Compiled(
                spec.pattern.encode("utf-8"), case_sensitive=spec.case_sensitive, multiline=False
            )
        except error as failure:  # compiled already by the matcher: not expected
            raise InvalidParams(f"{REPLACE}: the pattern cannot be read again: {failure}") from None
        groups = self._core.groups
        for piece in pieces:
            if isinstance(piece, int) and piece > groups:
                have = f"{groups} group" + ("" if groups == 1 else "s")
                raise InvalidParams(
                    f"{REPLACE}: the replacement refers to group \\{piece}, but the pattern "
                    f"{spec.describe()} has {have}" + _group_hint(groups)
                )

    def text(self, data: bytes, span: SPAN) -> str:
        """The replacement of the match at byte ``span`` of the line ``data``."""
        if self.constant is not None:
            return self.constant
        assert self._core is not None
        groups = self._core.group_spans(data, *span)
        if not groups:  # the matcher's match is always one of the pattern's: not expected
            groups = [span]
        out = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
            else:
                start, end = groups[piece] if piece < len(groups) else (-1, -1)
                if start >= 0:
                    out.append(data[start:end].decode("utf-8", "surrogatepass"))
        return "".join(out)


def _group_hint(groups: int) -> str:
    if groups == 0:
        return " (\\0 is the whole match)"
    named = "\\1" if groups == 1 else f"\\1 to \\{groups}"
    return f" ({named}, and \\0 for the whole match)"


def _rewrite_pieces(replacement: str) -> list[str | int]:
    """RE2's rewrite syntax: ``\\0`` to ``\\9`` a group, ``\\\\`` a backslash, nothing else after a
    backslash."""
    pieces: list[str | int] = []
    text: list[str] = []
    position = 0
    while True:
        found = replacement.find("\\", position)
        if found < 0:
            text.append(replacement[position:])
            break
        text.append(replacement[position:found])
        after = replacement[found + 1 : found + 2]
        if after == "\\":
            text.append("\\")
        elif after.isdigit() and after.isascii():
            pieces.append("".join(text))
            text = []
            pieces.append(int(after))
        else:
            shown = "a backslash at the end" if not after else f"\\{after}"
            raise InvalidParams(
                f"{REPLACE}: invalid replacement {replacement!r}: {shown}; in a regex "
                "replacement a backslash is followed by a digit (\\0 the match, \\1 to \\9 its "
                "groups) or by another backslash (\\\\ for one backslash)"
            )
        position = found + 2
    pieces.append("".join(text))
    return [piece for piece in pieces if piece != ""]
