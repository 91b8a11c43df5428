"""Patterns: what the user asked to find, checked before anything is compiled.

A :class:`PatternSpec` is the user's request — the text, and whether it is a regex, case
sensitive, a whole word. :func:`parse_pattern_argument` turns the raw ``grepls.setPattern``
arguments into one (:func:`parse_query` one such argument, for any command that takes a pattern),
and :func:`spec_from_options` reads the same options from settings; all raise
:class:`PatternError` with a message fit to show the user.

What a spec *means* on a line (zero-width matches, whole words, columns) is
:class:`grepls.matcher.Matcher`'s business; how many lines are searched at once is
:mod:`grepls.scan`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_OPTION_KEYS = {"pattern": str, "regex": bool, "caseSensitive": bool, "wholeWord": bool}

MAX_PATTERN_LENGTH = 1_000_000

QUOTED_LENGTH = 60
"""How much of a pattern a refusal quotes: a pattern may be a megabyte long, and its refusal goes to
the editor (which shows it) and to the log."""


class PatternError(ValueError):
    """A pattern the user gave cannot be used; the message says why."""


def quoted(pattern: str) -> str:
    """``pattern`` as a refusal quotes it: ``'(a'``; past :data:`QUOTED_LENGTH` characters, its
    start and how long it is — ``'ééé…' (999,999 characters)``."""
    if len(pattern) <= QUOTED_LENGTH:
        return repr(pattern)
    return f"{shortened(pattern)!r} ({len(pattern):,} characters)"


def shortened(text: str) -> str:
    """``text``, or its first :data:`QUOTED_LENGTH` characters and ``…`` (for what an engine's
    error echoes of a pattern)."""
    return text if len(text) <= QUOTED_LENGTH else text[:QUOTED_LENGTH] + "…"


@dataclass(frozen=True, slots=True)
class PatternSpec:
    """What the user asked to find."""

    pattern: str
    regex: bool = False
    case_sensitive: bool = True
    whole_word: bool = False

    def describe(self) -> str:
        """How the pattern reads in a diagnostic message: "TODO", /TOD+/i, and so on. A pattern
        past :data:`QUOTED_LENGTH` characters reads by its start: a pasted paragraph would
        otherwise be repeated whole in each of its diagnostics, and in every title and message
        that names it."""
        flags = ("" if self.case_sensitive else "i") + ("w" if self.whole_word else "")
        text = shortened(self.pattern)
        if self.regex:
            return f"/{text}/{flags}"
        return f'"{text}"' + (f" ({flags})" if flags else "")


def parse_pattern_argument(arguments: list[Any] | None) -> PatternSpec:
    """The ``grepls.setPattern`` arguments: one string, or one object of options."""
    if not arguments or len(arguments) != 1:
        count = 0 if not arguments else len(arguments)
        raise PatternError(
            f"grepls.setPattern takes exactly one argument (a string or an object), got {count}"
        )
    return parse_query(arguments[0], "grepls.setPattern")


def parse_query(argument: Any, where: str) -> PatternSpec:
    """One pattern as ``grepls.setPattern`` takes it: a string, or an object of options
    (``where`` names the command in error messages)."""
    if isinstance(argument, str):
        return checked_spec(PatternSpec(argument))
    if not isinstance(argument, dict):
        raise PatternError(
            f"{where} argument must be a string or an object like "
            f'{{"pattern": "TODO", "regex": false}}, got {json_type(argument)}'
        )
    return checked_spec(spec_from_options(argument, where))


def spec_from_options(options: dict[str, Any], where: str) -> PatternSpec:
    """A spec from an options object (``where`` names its origin in error messages)."""
    unknown = sorted(set(options) - set(_OPTION_KEYS))
    if unknown:
        raise PatternError(
            f"{where}: unknown option {', '.join(map(repr, unknown))}; "
            f"known options are {', '.join(_OPTION_KEYS)}"
        )
    if "pattern" not in options:
        raise PatternError(f'{where}: the object needs a "pattern" string')
    for key, wanted in _OPTION_KEYS.items():
        if key in options and not isinstance(options[key], wanted):
            raise PatternError(
                f"{where}: {key!r} must be a {_json_name(wanted)}, got {json_type(options[key])}"
            )
    return PatternSpec(
        pattern=options["pattern"],
        regex=options.get("regex", False),
        case_sensitive=options.get("caseSensitive", True),
        whole_word=options.get("wholeWord", False),
    )


def checked_spec(spec: PatternSpec) -> PatternSpec:
    """``spec``, if it is not empty and not too long."""
    if spec.pattern == "":
        raise PatternError("the pattern is empty: give at least one character to search for")
    if len(spec.pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(
            f"the pattern is {len(spec.pattern):,} characters long; the limit is "
            f"{MAX_PATTERN_LENGTH:,}"
        )
    return spec


def _json_name(kind: type) -> str:
    return {str: "string", bool: "boolean"}[kind]


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
