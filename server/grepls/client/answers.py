"""How the client answers the server's requests: at once, from a table, so the server never waits.

The server asks the client things (``workspace/configuration``, ``workspace/diagnostic/refresh``,
``window/workDoneProgress/create``, ``workspace/applyEdit``, ...). The client answers each the
moment it is read, by calling the :data:`Answer` registered for its method with the request's
params; a test changes the client's behaviour by replacing an entry of ``Client.answers``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Answer = Callable[[Any], Any]


def _configuration(params: Any) -> list[None]:
    # null for every item: "no setting here", so the server keeps its defaults.
    items = params.get("items", []) if isinstance(params, dict) else []
    return [None] * len(items)


DEFAULT_ANSWERS: dict[str, Answer] = {
    "workspace/configuration": _configuration,
    "workspace/diagnostic/refresh": lambda params: None,
    "window/workDoneProgress/create": lambda params: None,
    "workspace/applyEdit": lambda params: {"applied": True},
    "client/registerCapability": lambda params: None,
    "client/unregisterCapability": lambda params: None,
}
"""How the client answers the server's requests; anything else gets a null result. An answer
that raises :class:`LspError` is sent back as that error."""
