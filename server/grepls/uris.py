"""Paths and URIs: the editor names files by ``file:`` URI, the disk by path.

A file the workspace scope holds is named by the URI the client used for it when it was open, else
by :func:`path_to_uri` of its path, quoted as VS Code quotes it, so that the editor and grepls agree
on one name for one file. The workspace folders come from ``initialize``
(:func:`folders_from_initialize`) and ``workspace/didChangeWorkspaceFolders``
(:func:`folder_paths`).

Not every URI names a path. Another scheme (``untitled:``) does not, and neither does a ``file:``
URI that no path can be made of: one ``urlparse`` refuses (``file://[x/a.txt``, a bracket opened
where a host would be) or one that names a NUL byte (``%00``), which no path can hold. For all of
them :func:`uri_to_path` answers ``None``, and everything that asks takes that one answer the same
way: a document so named is searched and shown while it is open and is never read from disk, and a
workspace folder so named is left out of the workspace scope, and named in the log.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlparse

logger = logging.getLogger(__name__)


def path_to_uri(path: str) -> str:
    """A file URI as editors write it (VS Code quotes all but ``A-Za-z0-9-._~/``, as does
    Python's ``quote``). The path's own bytes are quoted: a name that is not UTF-8 (which Python
    holds with surrogate escapes) is named too, as ``%FF``."""
    return "file://" + quote(os.fsencode(path), safe="/")


def uri_to_path(uri: str) -> str | None:
    """The local path of a ``file:`` URI, the inverse of :func:`path_to_uri` (names that are not
    UTF-8 included); ``None`` for any other scheme, and for a ``file:`` URI that names no path
    (see the module's docstring)."""
    if uri.startswith("file:///") and not any(c in uri for c in "?#;"):
        # The common form, without ``urlparse`` (a fifth of the time: a ``git checkout`` reports
        # thousands of files at once).
        path = uri[7:]
        if "%" in path:
            path = _unquote(path)
    else:
        try:
            parsed = urlparse(uri)
        except ValueError:  # an authority it cannot read: "Invalid IPv6 URL", and the like
            return None
        if parsed.scheme != "file" or not parsed.path:
            return None
        path = _unquote(parsed.path)
    if "\0" in path:
        return None  # the system refuses it at every call ("embedded null byte")
    return os.path.normpath(path)


def _unquote(path: str) -> str:
    return os.fsdecode(unquote_to_bytes(path))


def folder_paths(uris: Iterable[str]) -> list[str]:
    """The paths of the workspace folders named by ``uris``, in order. A folder whose URI names no
    path is left out, with a warning in the log: the workspace scope cannot search it."""
    paths = []
    for uri in uris:
        path = uri_to_path(uri)
        if path is None:
            _left_out(uri)
        else:
            paths.append(path)
    return paths


def _left_out(folder: str) -> None:
    logger.warning("workspace folder %r left out of the workspace scope: it names no path", folder)


def folders_from_initialize(params: Any) -> tuple[str, ...]:
    """The workspace folders' paths: ``workspaceFolders``, else ``rootUri``, else ``rootPath``."""
    if not isinstance(params, dict):
        return ()
    folders = params.get("workspaceFolders")
    if isinstance(folders, list):
        uris = [f.get("uri") for f in folders if isinstance(f, dict)]
        return tuple(dict.fromkeys(folder_paths(uri for uri in uris if isinstance(uri, str))))
    root = params.get("rootUri")
    if isinstance(root, str) and (path := uri_to_path(root)):
        return (path,)
    root_path = params.get("rootPath")
    if isinstance(root_path, str) and root_path and "\0" not in root_path:
        return (os.path.normpath(root_path),)
    for named in (root, root_path):
        if isinstance(named, str) and named:
            _left_out(named)
    return ()
