"""grepls: live grep for every editor, as a language server."""

from __future__ import annotations

__version__ = "0.1.0"
