"""Failing fast on a hang, without letting Hypothesis shrink it.

When the server loops forever, every retry of a shrinking Hypothesis run waits out the full timeout
again, and a test that should fail in seconds runs for an hour. So a hang is reported as
:class:`Stuck`, a ``BaseException``: Hypothesis lets it through at once (it only shrinks
``Exception`` failures), and pytest still reports it as the test's failure.

In-process code is bounded by CPU time (``ITIMER_VIRTUAL``/``SIGVTALRM``) so the limit cannot clash
with pytest-timeout's wall-clock ``SIGALRM``; waits on a server process are bounded by their own
deadlines (see :mod:`servers`).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


class Stuck(BaseException):
    """The server under test did not finish in a time no correct run comes near."""


@contextlib.contextmanager
def cpu_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`Stuck` if the block uses more than ``seconds`` of CPU time."""

    def expired(signum: int, frame: object) -> None:
        raise Stuck(f"{what} used over {seconds}s of CPU: the server is stuck")

    previous = signal.signal(signal.SIGVTALRM, expired)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
