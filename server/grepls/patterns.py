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

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from grepls.matcher import Matcher
from grepls.pattern import PatternError, PatternSpec, checked_spec, json_type, spec_from_options
from grepls.positions import Encoding

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


def message_names(patterns: Iterable[tuple[str, PatternSpec]]) -> dict[str, str]:
    """How a message names each pattern, by id: as it reads (``"TODO"``, ``/FIX(ME)?/``), and
    with its id where another pattern reads alike (``"TODO" (search)`` beside a kept
    ``"TODO" (TODO)``), so that no two read the same."""
    described = {identifier: spec.describe() for identifier, spec in patterns}
    alike = Counter(described.values())
    return {
        identifier: text if alike[text] == 1 else f"{text} ({identifier})"
        for identifier, text in described.items()
    }


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
            said = str(error)  # named where it is, whatever found it wrong
            said = said if said.startswith("grepls.patterns[") else f"{where}: {said}"
            problems.append(f"{said}; this pattern is skipped")
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
    """The patterns in force, in order (settings, added, search), each compiled once."""

    def __init__(self, encoding: Encoding = "utf-16") -> None:
        self.encoding: Encoding = encoding
        self.configured: tuple[Pattern, ...] = ()
        self.added: dict[str, Pattern] = {}
        self.search: Pattern | None = None
        self._matchers: dict[str, Matcher] = {}
        """Pattern id → its matcher, for every pattern in the set."""

    def __iter__(self) -> Iterator[Pattern]:
        yield from self.configured
        configured = {pattern.id for pattern in self.configured}
        yield from (pattern for pattern in self.added.values() if pattern.id not in configured)
        if self.search is not None:
            yield self.search

    def get(self, identifier: str) -> Pattern | None:
        return next((pattern for pattern in self if pattern.id == identifier), None)

    def bound(self) -> list[tuple[str, Matcher]]:
        """(id, matcher) of every pattern, in order: what documents are bound to."""
        return [(pattern.id, self._matchers[pattern.id]) for pattern in self]

    def set_search(self, spec: PatternSpec | None) -> None:
        """Make ``spec`` the search pattern, or clear it; raises PatternError, changing nothing."""
        if spec is None:
            self.search = None
        else:
            search = Pattern(SEARCH_ID, spec)
            self._matchers[SEARCH_ID] = self._compiled(search)
            self.search = search
        self._forget_unused()

    def add(self, pattern: Pattern) -> None:
        """Add ``pattern`` (replacing an added one of the same id); raises PatternError."""
        if pattern.id == SEARCH_ID or any(p.id == pattern.id for p in self.configured):
            raise PatternError(
                f"the id {pattern.id!r} is taken by "
                + ("the search pattern" if pattern.id == SEARCH_ID else "a pattern in settings")
                + "; choose another id"
            )
        self._matchers[pattern.id] = self._compiled(pattern)
        self.added[pattern.id] = pattern

    def remove(self, identifier: str) -> bool:
        """Remove an added pattern (or the search pattern); return whether there was one."""
        if identifier == SEARCH_ID and self.search is not None:
            self.search = None
        elif self.added.pop(identifier, None) is None:
            return False
        self._forget_unused()
        return True

    def configure(self, patterns: tuple[Pattern, ...]) -> list[str]:
        """Take the ``patterns`` setting; a pattern that does not compile is skipped, and the
        problem returned. An added pattern whose id the settings now use waits behind theirs, and
        shows again once the settings drop it (a client adds its kept patterns as it starts,
        before the settings are known: they must not be lost to a passing clash)."""
        configured: list[Pattern] = []
        problems: list[str] = []
        for pattern in patterns:
            try:
                self._matchers[pattern.id] = self._compiled(pattern)
            except PatternError as error:
                problems.append(f"grepls.patterns ({pattern.id!r}): {error}; it is skipped")
                continue
            configured.append(pattern)
        self.configured = tuple(configured)
        taken = {pattern.id for pattern in configured}
        for pattern in self.added.values():
            if pattern.id not in taken:  # its own matcher again, if a setting's stood there
                self._matchers[pattern.id] = self._compiled(pattern)
        self._forget_unused()
        return problems

    def _compiled(self, pattern: Pattern) -> Matcher:
        held = self._matchers.get(pattern.id)
        if held is not None and held.spec == pattern.spec:
            return held  # the same search: its documents' tracks go on as they are
        return Matcher(pattern.spec, self.encoding)

    def _forget_unused(self) -> None:
        used = {pattern.id for pattern in self}
        self._matchers = {key: m for key, m in self._matchers.items() if key in used}
