"""The three things the lab does from the page or the JSON API, each through the public `Campaign` API.

Errors are one line for the user (`entry_error`): a `TellError` or `ValueError` is the entry's fault
(status 400), a `KeyError` an unknown candidate (404); nothing is stored in either case.
"""

from __future__ import annotations

from ..tell import TellError
from .context import campaign, state

#: Errors a bad entry raises (shown to the user, nothing stored).
ENTRY_ERRORS = (TellError, KeyError, ValueError)
ACTIONS = ("results", "failure", "withdraw")


def entry_error(err: Exception) -> tuple[str, int]:
    """The one-line message and HTTP status of an `ENTRY_ERRORS` error."""
    if isinstance(err, KeyError):
        return (str(err.args[0]) if err.args else "no such candidate"), 404
    return str(err), 400


def record_results(cid: int, values: dict[str, float], std: dict[str, float], *, replace: bool) -> None:
    with state().write_lock:
        campaign().tell(cid, values, std=std or None, replace=replace)


def report_failure(cid: int, reason: str) -> None:
    """A failed synthesis or measurement ("no glass formed"): stored like an oracle's failure."""
    with state().write_lock:
        campaign().fail(cid, reason)


def withdraw(cid: int, reason: str) -> None:
    """A pending candidate that will not be made (precursor missing, unsafe): frees its budget slot."""
    with state().write_lock:
        campaign().withdraw(cid, reason)
