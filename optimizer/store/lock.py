"""One runner per campaign: an exclusive lock file beside the store, released when the process ends.

The lock is an OS file lock (``flock``), so a killed run never leaves a stale lock behind; the file
names the process that holds it, for the message a second run prints.
"""

from __future__ import annotations

import json
import os
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from oracles.files import exclusive_lock

from .records import utc_now


class CampaignBusyError(RuntimeError):
    """Another process is running this campaign; the message names it."""


@contextmanager
def runner_lock(store_path: Path, *, command: str = "viglas run") -> Iterator[None]:
    """Hold the campaign's runner lock for the block; `CampaignBusyError` naming the holder if taken.

    Without POSIX locks the block runs unlocked; the store's transactions still keep the data whole.
    """

    def refuse(holder: str) -> None:
        raise CampaignBusyError(f"{store_path}: another run holds this campaign ({_holder(holder)}); "
                                "wait for it to finish or stop it, then run again")

    holder = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": utc_now(), "command": command})
    with exclusive_lock(store_path.with_name(store_path.name + ".lock"), holder=holder, on_busy=refuse):
        yield


def _holder(text: str) -> str:
    try:
        info = json.loads(text)
        return f"{info['command']}, process {info['pid']} on {info['host']} since {info['since']}"
    except (ValueError, KeyError, TypeError):
        return "a process that did not say which"
