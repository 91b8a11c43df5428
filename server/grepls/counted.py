"""Numbers as grepls's messages say them: "1 match", "2 matches", "1,204 files"."""

from __future__ import annotations


def count_of(number: int, noun: str) -> str:
    """``number`` of ``noun``, in the singular for one, grouped in thousands."""
    if number == 1:
        return f"1 {noun}"
    return f"{number:,} {noun}" + ("es" if noun.endswith(("ch", "sh", "s", "x")) else "s")
