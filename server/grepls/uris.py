"""Paths and URIs: the editor names files by ``file:`` URI, the disk by path.

A file the workspace scope holds is named by the URI the client used for it when it was open, else
by :func:`path_to_uri` of its path, quoted as VS Code quotes it, so that the editor and grepls agree
on one name for one file. The workspace folders come from ``initialize``
(:func:`folders_from_initialize`).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlparse


def path_to_uri(path: str) -> str:
    """A file URI as editors write it (VS Code quotes all but ``A-Za-z0-9-._~/``, as does
    Python's ``quote``). The path's own bytes are quoted: a name that is not UTF-8 (which Python
    holds with surrogate escapes) is named too, as ``%FF``."""
    return "file://" + quote(os.fsencode(path), safe="/")


def uri_to_path(uri: str) -> str | None:
    """The local path of a ``file:`` URI (``None`` for any other scheme); the inverse of
    :func:`path_to_uri`, names that are not UTF-8 included."""
    if uri.startswith("file:///") and not any(c in uri for c in "?#;"):
        # The common form, without ``urlparse`` (a fifth of the time: a ``git checkout`` reports
        # thousands of files at once).
        path = uri[7:]
        return os.path.normpath(_unquote(path) if "%" in path else path)
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return os.path.normpath(_unquote(parsed.path)) if parsed.path else None


def _unquote(path: str) -> str:
    return os.fsdecode(unquote_to_bytes(path))


def folders_from_initialize(params: Any) -> tuple[str, ...]:
    """The workspace folders' paths: ``workspaceFolders``, else ``rootUri``, else ``rootPath``."""
    if not isinstance(params, dict):
        return ()
    folders = params.get("workspaceFolders")
    if isinstance(folders, list):
        uris = [f.get("uri") for f in folders if isinstance(f, dict)]
        paths = [uri_to_path(uri) for uri in uris if isinstance(uri, str)]
        return tuple(dict.fromkeys(p for p in paths if p))
    root = params.get("rootUri")
    if isinstance(root, str) and (path := uri_to_path(root)):
        return (path,)
    root_path = params.get("rootPath")
    if isinstance(root_path, str) and root_path:
        return (os.path.normpath(root_path),)
    return ()
