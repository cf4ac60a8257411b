"""What every route reads: the server's state, and the campaign opened for this request.

The campaign is opened per request (and closed at its end), so the pages stay live while
``viglas run`` or ``viglas tell`` write to the same store.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from flask import current_app, g

from ..campaign import Campaign
from ..snapshot import CampaignSnapshot
from .plots import PlotCache
from .security import Guard, Identity

EXTENSION = "viglas"


@dataclass
class Dashboard:
    """One server's state: the campaign file, its outputs' units, the guard and the plot cache."""

    path: Path
    units: dict[str, str]
    guard: Guard
    plots: PlotCache = field(default_factory=PlotCache)
    #: One writer from this process at a time; SQLite serialises the writes of other processes.
    write_lock: threading.Lock = field(default_factory=threading.Lock)


def state() -> Dashboard:
    return cast(Dashboard, current_app.extensions[EXTENSION])


def campaign() -> Campaign:
    """The campaign, opened once per request."""
    if "campaign" not in g:
        g.campaign = Campaign.from_yaml(state().path)
    return cast(Campaign, g.campaign)


def close_campaign(_: BaseException | None = None) -> None:
    opened = g.pop("campaign", None)
    if opened is not None:
        opened.close()


def snapshot(*, fresh: bool = False) -> CampaignSnapshot:
    """The campaign now, read once per request (``fresh``: read again, e.g. after a write)."""
    if fresh or "snapshot" not in g:
        g.snapshot = campaign().snapshot()
    return cast(CampaignSnapshot, g.snapshot)


def identity() -> Identity:
    return Identity.of(campaign())


def token() -> str:
    """This server's CSRF token for this campaign (for the page's forms)."""
    return state().guard.token(identity())


def outputs() -> list[str]:
    """The campaign's outputs, then any other output an oracle declares, in order."""
    return list(dict.fromkeys([*campaign().problem.outputs, *state().units]))
