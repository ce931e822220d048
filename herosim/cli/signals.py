"""A foreground command (`herosim up`) ends the same way whatever ends it: Ctrl-C (SIGINT), a
closed terminal (SIGHUP) or a CI job's timeout (SIGTERM) each raise KeyboardInterrupt where
the command is, so its clean-up (stopping the dynos and add-ons, freeing the port) runs.

Once one has arrived, further SIGTERMs and SIGHUPs are ignored, so they cannot cut that
clean-up short; after SIGHUP the terminal is gone, so output goes to /dev/null instead of
failing (a write to a hung-up terminal raises, and would end the clean-up too)."""

from __future__ import annotations

import os
import signal

_received: list[str] = []


def interrupt_on_term_and_hup() -> None:
    """Install the handlers (main thread only, as Python's signals are)."""
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, _interrupt)


def received() -> str:
    """The signal that ended the command: SIGINT (Ctrl-C) unless another did."""
    return _received[0] if _received else "SIGINT"


def _interrupt(number: int, _frame) -> None:
    name = signal.Signals(number).name
    for other in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(other, signal.SIG_IGN)
    if number == signal.SIGHUP:
        _silence()
    _received.append(name)
    raise KeyboardInterrupt(name)


def _silence() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    for fd in (1, 2):
        try:
            os.dup2(devnull, fd)
        except OSError:
            pass
    os.close(devnull)
