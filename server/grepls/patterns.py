"""The pattern set: every pattern in force, each with its id, severity and message, in order.

Three sources, always in this order — the order diagnostics of one position are listed in:

1. the ``patterns`` setting: the user's kept keywords (``TODO``, ``FIXME``, a ticket regex);
2. patterns added with ``grepls.addPattern`` (they live until removed or the server exits; clients
   that want them across sessions keep them and add them again);
3. the ad-hoc search pattern of ``grepls.setPattern``, id ``"search"``.

A :class:`Pattern` is what the user asked for; compiled for a session's position encoding it
becomes a :class:`~grepls.matcher.Matcher`. Ids are unique across the set: a duplicate in the
settings is a reported problem, and the later entry is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from grepls.pattern import PatternError, PatternSpec, checked_spec, json_type, spec_from_options

SEARCH_ID = "search"

SEVERITIES = {"error": 1, "warning": 2, "information": 3, "hint": 4}

# Keys of a pattern entry beyond the spec's own, and the client-only keys grepls ignores (VS Code
# keeps each pattern's colour, and whether it shows diagnostics, in the same entry).
_ENTRY_KEYS = ("id", "severity", "message")
_CLIENT_KEYS = ("color", "diagnostics")


@dataclass(frozen=True, slots=True)
class Pattern:
    """One pattern in force."""

    id: str
    spec: PatternSpec
    severity: int | None = None
    """LSP DiagnosticSeverity; ``None``: the ``severity`` setting."""
    message: str | None = None
    """The diagnostic message; ``None``: ``matches "<pattern>"``."""

    def message_text(self) -> str:
        return self.message if self.message is not None else f"matches {self.spec.describe()}"

    def severity_or(self, default: int) -> int:
        return self.severity if self.severity is not None else default

    def severity_name(self, default: int) -> str:
        number = self.severity_or(default)
        return next(name for name, value in SEVERITIES.items() if value == number)


def pattern_from_entry(entry: Any, where: str) -> Pattern:
    """One ``patterns`` entry or ``grepls.addPattern`` argument; raises PatternError saying why."""
    if not isinstance(entry, dict):
        raise PatternError(f"{where} must be an object, got {json_type(entry)}")
    options = {k: v for k, v in entry.items() if k not in _ENTRY_KEYS + _CLIENT_KEYS}
    spec = checked_spec(spec_from_options(options, where))
    identifier = entry.get("id", spec.pattern)
    if not isinstance(identifier, str) or not identifier:
        raise PatternError(f"{where}: 'id' must be a non-empty string, got {json_type(identifier)}")
    severity = entry.get("severity")
    if severity is not None:
        if not isinstance(severity, str) or severity.lower() not in SEVERITIES:
            raise PatternError(
                f"{where}: 'severity' must be one of {', '.join(SEVERITIES)}, got {severity!r}"
            )
        severity = SEVERITIES[severity.lower()]
    message = entry.get("message")
    if message is not None and not isinstance(message, str):
        raise PatternError(f"{where}: 'message' must be a string, got {json_type(message)}")
    return Pattern(identifier, spec, severity, message)


def patterns_from_setting(raw: Any) -> tuple[tuple[Pattern, ...], list[str]]:
    """The ``patterns`` setting: the good entries, and a problem for each bad one (skipped)."""
    if raw is None:
        return (), []
    if not isinstance(raw, list):
        return (), [f"grepls.patterns must be an array, got {json_type(raw)}"]
    patterns: list[Pattern] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, entry in enumerate(raw):
        name = entry.get("id", entry.get("pattern")) if isinstance(entry, dict) else None
        where = f"grepls.patterns[{number}]" + (f" ({name!r})" if isinstance(name, str) else "")
        try:
            pattern = pattern_from_entry(entry, where)
        except PatternError as error:
            problems.append(f"{error}; this pattern is skipped")
            continue
        if pattern.id in seen or pattern.id == SEARCH_ID:
            problems.append(
                f"{where}: the id {pattern.id!r} is already taken; ids must be unique (and "
                f"{SEARCH_ID!r} is the search pattern's); this pattern is skipped"
            )
            continue
        seen.add(pattern.id)
        patterns.append(pattern)
    return tuple(patterns), problems


class PatternSet:
    """The patterns in force, in order: settings, added, search."""

    def __init__(self) -> None:
        self.configured: tuple[Pattern, ...] = ()
        self.added: dict[str, Pattern] = {}
        self.search: Pattern | None = None

    def __iter__(self) -> Iterator[Pattern]:
        yield from self.configured
        taken = {pattern.id for pattern in self.configured}
        yield from (pattern for pattern in self.added.values() if pattern.id not in taken)
        if self.search is not None:
            yield self.search

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def get(self, identifier: str) -> Pattern | None:
        return next((pattern for pattern in self if pattern.id == identifier), None)
