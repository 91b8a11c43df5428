"""Work-done progress of a workspace scan: what a scan has done so far, and how the user sees it.

A scan counts files and matches in :class:`Totals` (also the answer of the commands that ask how
complete the workspace's matches are). When the client supports work-done progress, a
:class:`Progress` reports them while the scan runs — at most every ``PROGRESS_SECONDS`` — and ends
with the totals, or with "cancelled" when a newer scan replaced it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Literal

from grepls.rpc import Endpoint

PROGRESS_SECONDS = 0.25
"""At most one progress report this often."""


@dataclass(slots=True)
class Totals:
    """What a scan has done so far."""

    files: int = 0
    """Files searched (or, for literals, looked at by ripgrep)."""
    matches: int = 0
    """Matches held in closed files (each pattern's at most ``maxMatchesPerDocument`` per file)."""
    skipped: dict[str, int] = field(
        default_factory=lambda: {"large": 0, "binary": 0, "unreadable": 0}
    )
    complete: bool = False
    """The scan ran to the end (not cut at ``maxWorkspaceMatches``, nor still running)."""

    def summary(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "matches": self.matches,
            "complete": self.complete,
            "skipped": dict(self.skipped),
        }


class Progress:
    """One scan's work-done progress: begun once the client has created the token (if the scan
    ended before that, begun and ended at once, so that the user sees its totals)."""

    _tokens = itertools.count(1)

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.token = f"grepls-scan-{next(self._tokens)}"
        self.state: Literal["asked", "begun", "ended"] = "asked"
        self.final = ""
        """The message the progress ended with."""
        endpoint.request("window/workDoneProgress/create", {"token": self.token}, self._created)

    def _created(self, result: object) -> None:
        ended, self.state = self.state == "ended", "begun"
        self._send({"kind": "begin", "title": "grepls", "message": "searching the workspace"})
        if ended:  # the scan was quicker than the client: still show how it ended
            self.end(self.final)

    def report(self, message: str) -> None:
        if self.state == "begun":
            self._send({"kind": "report", "message": message})

    def end(self, message: str) -> None:
        if self.state == "begun":
            self._send({"kind": "end", "message": message})
        self.state = "ended"
        self.final = message

    def _send(self, value: dict[str, Any]) -> None:
        self.endpoint.notify("$/progress", {"token": self.token, "value": value})
