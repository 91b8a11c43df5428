"""Settings: the ``grepls`` section of the client's configuration, validated with defaults.

Settings come from ``initializationOptions`` (the section itself, or ``{"grepls": {...}}``, or both
at once — see :func:`section_of`) and from ``workspace/configuration`` (section ``grepls``), re-read
on ``workspace/didChangeConfiguration``. A bad value never stops the server: it is reported by name
(the caller shows the problems with ``window/showMessage``) and its default is used instead. Keys
grepls does not know are ignored, since clients keep their own keys in the same section (VS Code's
``grepls.interpreter``, ``grepls.trace.server``).

New settings are applied as a *diff*: :func:`plan` compares the settings in force with the new ones
and returns the :class:`Actions` they need, all of them at once — a new pattern or cap means one
rebind of every document (the coroutines search as far as the cap), a new severity one re-render.
One update that changes several settings never lets one change hide another, and never rebinds
twice. The workspace settings (``scope``, ``exclude``, ``maxFileSize``, ``maxWorkspaceMatches``,
``watcher``: changes missed between one watcher and the next are found again) ask for a new
workspace scan (see :mod:`grepls.workspace`), and so does any rebind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grepls.counted import count_of
from grepls.pattern import PatternError, PatternSpec, checked_spec, spec_from_options
from grepls.patterns import SEVERITIES, Pattern, patterns_from_setting

DEFAULT_MAX_MATCHES = 1_000
DEFAULT_CONFIRM_REPLACE_ABOVE = 100
DEFAULT_MAX_FILE_SIZE = 1_048_576
DEFAULT_MAX_WORKSPACE_MATCHES = 20_000
SCOPES = ("open", "workspace")
WATCHERS = ("editor", "grepls")


CAP_SETTING = "(setting grepls.maxMatchesPerDocument)"
"""How a message about the cap names it."""
CAP_NAMED = 3
"""How many patterns one message about the cap names at most (more are counted)."""


def over_the_cap(
    described: str, name: str, count: int | None, cap: int, shown: str = "showing"
) -> str:
    """What a user is told of one pattern with more matches in one file than the cap shows
    (``count`` ``None``: the search stopped at the cap, the rest was never counted; ``shown``:
    what the cap cuts — "listing" where no diagnostic is sent, only lists and tokens)."""
    how_many = f"more than {count_of(cap, 'match')}" if count is None else count_of(count, "match")
    return f"grepls: {how_many} of {described} in {name}; {shown} the first {cap:,} " + (
        CAP_SETTING
    )


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings in force."""

    pattern: PatternSpec | None = None
    """The pattern the settings ask for (``None``: no pattern set by settings)."""
    severity: int = SEVERITIES["information"]
    """LSP DiagnosticSeverity of each match."""
    max_matches_per_document: int = DEFAULT_MAX_MATCHES
    """At most this many diagnostics per document and pattern; more are counted and announced."""
    patterns: tuple[Pattern, ...] = ()
    """The kept patterns (setting ``patterns``), always active."""
    confirm_replace_above: int = DEFAULT_CONFIRM_REPLACE_ABOVE
    """A replace of more matches than this asks the editor to confirm it (where it can)."""
    diagnostics: bool = True
    """Whether matches are shown as diagnostics (``False``: only as highlights and tokens)."""
    scope: str = "open"
    """``"open"``: the open documents; ``"workspace"``: every file of the workspace folders."""
    exclude: tuple[str, ...] = ()
    """Globs of files and folders the workspace scope skips, beyond ripgrep's ignore rules."""
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    """Files larger than this many bytes are skipped (and counted) by the workspace scope."""
    max_workspace_matches: int = DEFAULT_MAX_WORKSPACE_MATCHES
    """A workspace scan stops past this many matches in closed files (and says so)."""
    watcher: str = "editor"
    """Who reports files changed on disk in the workspace scope: ``"editor"`` (the client, when it
    can register a watcher; else grepls) or ``"grepls"`` (grepls's own watcher, always)."""


@dataclass(frozen=True, slots=True)
class Actions:
    """What a change of settings requires."""

    search: PatternSpec | None = None
    """A new search pattern (``None``: keep the one in force)."""
    rebind: bool = False
    """Bind the documents to the patterns again: some pattern, or the cap they search to, changed
    (documents restart only the coroutines whose pattern or cap changed)."""
    rerender: bool = False
    """Render every diagnostic again (a new default severity, or diagnostics turned on or off)."""
    rescan: bool = False
    """Search the workspace's closed files again: a workspace setting changed (a rebind rescans
    too)."""


def plan(old: Settings, new: Settings) -> Actions:
    """The actions that take the server from ``old`` settings to ``new`` ones."""
    search = new.pattern if new.pattern != old.pattern and new.pattern is not None else None
    return Actions(
        search=search,
        rebind=search is not None
        or new.patterns != old.patterns
        or new.max_matches_per_document != old.max_matches_per_document,
        rerender=new.severity != old.severity or new.diagnostics != old.diagnostics,
        rescan=_workspace_settings(new) != _workspace_settings(old),
    )


def _workspace_settings(settings: Settings) -> tuple[object, ...]:
    return (
        settings.scope,
        settings.exclude,
        settings.max_file_size,
        settings.max_workspace_matches,
        settings.watcher,
    )


def section_of(raw: Any) -> Any:
    """The ``grepls`` settings in ``raw``: the section itself, or an object that nests it under
    ``grepls``. Both at once count too, the nested keys winning: an editor that merges one
    config into another (Neovim's ``vim.lsp.config``) can join ``{"scope": "workspace"}`` and
    ``{"grepls": {"diagnostics": false}}`` into one object, and neither may be lost."""
    if isinstance(raw, dict) and isinstance(raw.get("grepls"), dict):
        beside = {key: value for key, value in raw.items() if key != "grepls"}
        return {**beside, **raw["grepls"]}
    return raw


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Read a settings object: the settings, and the problems found (empty when all is well)."""
    problems: list[str] = []
    if raw is None:
        return Settings(), problems
    raw = section_of(raw)
    if not isinstance(raw, dict):
        return Settings(), [f"grepls settings must be an object, got {type(raw).__name__}"]

    severity = SEVERITIES["information"]
    if "severity" in raw and raw["severity"] is not None:
        value = raw["severity"]
        if isinstance(value, str) and value.lower() in SEVERITIES:
            severity = SEVERITIES[value.lower()]
        else:
            problems.append(
                f"grepls.severity must be one of {', '.join(SEVERITIES)}, got {value!r}; "
                "using information"
            )

    max_matches = DEFAULT_MAX_MATCHES
    if "maxMatchesPerDocument" in raw and raw["maxMatchesPerDocument"] is not None:
        value = raw["maxMatchesPerDocument"]
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            max_matches = value
        else:
            problems.append(
                f"grepls.maxMatchesPerDocument must be a positive integer, got {value!r}; "
                f"using {DEFAULT_MAX_MATCHES}"
            )

    confirm_above = DEFAULT_CONFIRM_REPLACE_ABOVE
    if "confirmReplaceAbove" in raw and raw["confirmReplaceAbove"] is not None:
        value = raw["confirmReplaceAbove"]
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            confirm_above = value
        else:
            problems.append(
                f"grepls.confirmReplaceAbove must be a non-negative integer, got {value!r}; "
                f"using {DEFAULT_CONFIRM_REPLACE_ABOVE}"
            )

    scope = _choice(raw, "scope", SCOPES, problems)
    watcher = _choice(raw, "watcher", WATCHERS, problems)

    exclude: tuple[str, ...] = ()
    if raw.get("exclude") is not None:
        value = raw["exclude"]
        if isinstance(value, list) and all(isinstance(g, str) and g for g in value):
            exclude = tuple(value)
        else:
            problems.append(
                f"grepls.exclude must be an array of non-empty glob strings, got {value!r}; "
                "using []"
            )

    max_file_size = _positive(raw, "maxFileSize", DEFAULT_MAX_FILE_SIZE, problems)
    max_workspace = _positive(raw, "maxWorkspaceMatches", DEFAULT_MAX_WORKSPACE_MATCHES, problems)

    pattern: PatternSpec | None = None
    text = raw.get("pattern")
    if text not in (None, ""):
        options = {key: raw[key] for key in ("regex", "caseSensitive", "wholeWord") if key in raw}
        options = {key: value for key, value in options.items() if value is not None}
        try:
            pattern = checked_spec(
                spec_from_options({"pattern": text, **options}, "grepls settings")
            )
        except PatternError as error:
            problems.append(f"grepls.pattern ignored: {error}")
    else:
        for key in ("regex", "caseSensitive", "wholeWord"):
            if raw.get(key) is not None and not isinstance(raw[key], bool):
                problems.append(f"grepls.{key} must be a boolean, got {raw[key]!r}")

    patterns, pattern_problems = patterns_from_setting(raw.get("patterns"))
    problems.extend(pattern_problems)
    diagnostics = True
    if raw.get("diagnostics") is not None:
        if isinstance(raw["diagnostics"], bool):
            diagnostics = raw["diagnostics"]
        else:
            problems.append(
                f"grepls.diagnostics must be a boolean, got {raw['diagnostics']!r}; using true"
            )
    settings = Settings(
        pattern=pattern,
        severity=severity,
        max_matches_per_document=max_matches,
        patterns=patterns,
        confirm_replace_above=confirm_above,
        diagnostics=diagnostics,
        scope=scope,
        exclude=exclude,
        max_file_size=max_file_size,
        max_workspace_matches=max_workspace,
        watcher=watcher,
    )
    return settings, problems


def _choice(raw: dict[str, Any], key: str, choices: tuple[str, ...], problems: list[str]) -> str:
    """One of ``choices`` (the first is the default), or the default and a problem."""
    value = raw.get(key)
    if value is None or value in choices:
        return value or choices[0]
    named = " or ".join(f'"{choice}"' for choice in choices)
    problems.append(f"grepls.{key} must be {named}, got {value!r}; using {choices[0]}")
    return choices[0]


def _positive(raw: dict[str, Any], key: str, default: int, problems: list[str]) -> int:
    """A positive integer setting, or its default (and a problem) when the value is bad."""
    value = raw.get(key)
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    problems.append(f"grepls.{key} must be a positive integer, got {value!r}; using {default}")
    return default
