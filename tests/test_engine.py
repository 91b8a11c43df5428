"""The private names of google-re2 that grepls relies on are still there (see grepls.engine).

If an upgrade of google-re2 moves one, this test names it, so the fix is one module's business.
"""

from __future__ import annotations

from importlib.metadata import version

from grepls.engine import NO_MATCH, Compiled, missing_private_names


def test_every_private_name_grepls_uses_is_still_there() -> None:
    missing = missing_private_names()
    assert not missing, (
        f"google-re2 {version('google-re2')} no longer has {', '.join(missing)}: grepls.engine "
        "relies on it; its docstring says what each name is for and the public fallback"
    )


def test_the_raw_search_reports_group_spans_and_no_match() -> None:
    compiled = Compiled(b"a(b)", case_sensitive=True, multiline=False)
    assert compiled.searcher(0)(b"xab", 0, 3) == (1, 3)
    assert compiled.searcher(1)(b"xab", 0, 3) == (2, 3)
    assert compiled.searcher(0)(b"xab", 2, 3) == NO_MATCH
    assert compiled.program_size > 0
