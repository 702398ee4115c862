"""SIGTERM and SIGHUP unwind like Ctrl-C, so every cleanup path runs.

By default Python dies on the spot on SIGTERM (``kill``, a service manager, a CI timeout) and on
SIGHUP (a closed terminal): no ``finally`` runs, so a render leaves its ``.partial`` file, its
palette folder and its ffmpeg child behind. Inside :func:`terminating` those signals raise
:class:`Terminated` instead, a BaseException like KeyboardInterrupt (``except Exception`` does not
swallow it), and the cleanup written for Ctrl-C handles them too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived; the command line exits with 128 + the signal's number."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def __str__(self) -> str:
        return f"terminated by {self.name}"


def _ignore(signum, frame) -> None:
    pass


@contextlib.contextmanager
def terminating(*, redeliver: bool = False) -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread.

    Only signals left at their default (die at once) are taken over: an ignored one (``nohup``)
    stays ignored, another handler stays in charge, an enclosing ``terminating`` block keeps the
    signal, and outside the main thread (where Python cannot set handlers) nothing changes. Once
    one signal arrived, more are ignored until the block ends, so the cleanup runs to its end.
    With ``redeliver``, a :class:`Terminated` leaving the block kills the process with its signal
    after the cleanup, as the signal would have without the block: for library code, whose caller
    did not ask for an exception.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    installed: dict[int, Any] = {}

    def handler(signum, frame):
        # a second signal must not cut the cleanup short; a handler that does nothing rather than
        # SIG_IGN, which would turn a signal already caught but not yet handled into an OSError
        for s in installed:
            signal.signal(s, _ignore)
        raise Terminated(signum)

    def restore() -> None:
        for s, previous in installed.items():
            signal.signal(s, previous)

    for s in SIGNALS:
        if signal.getsignal(s) is signal.SIG_DFL:
            installed[s] = signal.signal(s, handler)
    try:
        yield
    except Terminated as exc:
        if redeliver and exc.signum in installed:
            restore()
            os.kill(os.getpid(), exc.signum)
        raise
    finally:
        restore()
