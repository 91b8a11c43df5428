"""grepls as it serves a client that does not pull diagnostics: a bench variant, not a product.

VS Code declares pull diagnostics, so grepls answers it through ``textDocument/diagnostic``: VS Code
asks after each change and grepls answers. The ``vscode-push`` rows time the other road in the same
VS Code — grepls publishing right after the change — by hiding the pull capability from grepls's
negotiation before it reads the ``initialize`` params; everything else is grepls unchanged.
"""

from __future__ import annotations

import sys
from typing import Any

import grepls.server
from grepls.__main__ import main
from grepls.session import Session, negotiate


def negotiate_push(params: Any) -> Session:
    """The session grepls would agree with this client if it did not declare pull diagnostics."""
    if isinstance(params, dict):
        text_document = params.get("capabilities", {}).get("textDocument")
        if isinstance(text_document, dict):
            text_document.pop("diagnostic", None)
    return negotiate(params)


if __name__ == "__main__":
    # The one name server.py negotiates with (imported there, so replaced there).
    setattr(grepls.server, "negotiate", negotiate_push)  # noqa: B010
    sys.exit(main(sys.argv[1:]))
