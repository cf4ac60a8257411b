"""The public campaign object: ask/tell over the store, `run` as a thin loop over the same steps (as in
Optuna's Study), and the readers' entry points.

>>> campaign = Campaign.from_yaml("campaigns/demo.yaml")  # doctest: +SKIP
>>> for cand in campaign.ask(2): ...                      # doctest: +SKIP
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable

from . import analysis
from .core import CampaignChangedError, CampaignCore
from .executors.serial import SerialExecutor
from .merge import MANUAL
from .problem import Observation
from .snapshot import CampaignSnapshot
from .steps import CampaignRun, Progress
from .store import HISTORICAL, INITIAL, Candidate

if TYPE_CHECKING:
    import pandas

logger = logging.getLogger(__name__)

__all__ = ["HISTORICAL", "INITIAL", "MANUAL", "Campaign", "CampaignChangedError", "CampaignSnapshot", "Progress"]


class Campaign(CampaignCore):
    """A campaign file bound to its store and oracles: the Python API of viglas.

    Readers (`snapshot`, `to_dataframe`, reports, the dashboard) all see one merge of the sources;
    `ask`/`tell` are the lab's steps and `run` the loop over the automated oracles.
    """

    def _repr_html_(self) -> str:
        """Compact summary for Jupyter: counts, best feasible candidates, pending ids."""
        from .report.summary import summary_html

        return summary_html(self.snapshot())

    def ask(self, n: int | None = None) -> list[Candidate]:
        """Propose ``n`` (default ``loop.batch_size``) candidates and reserve them as pending.

        Never beyond ``loop.budget``: near it fewer come back, at it none.
        """
        n = self.config.loop.batch_size if n is None else n
        if isinstance(n, bool) or n < 1:
            raise ValueError(f"n={n}: ask for at least one candidate")
        return self.reserve(n, budget=self.config.loop.budget)

    def run(self, budget: int | None = None, *, progress: Callable[[Progress], None] | None = None) -> int:
        """Evaluate what is pending, then ask and evaluate batches in this process until ``budget``
        candidates exist (or the lab has to answer). Returns the number evaluated in this call.

        Safe to kill at any point and rerun: each result is committed as it arrives. For Dask,
        `optimizer.executors.make_executor` drives the same `CampaignRun`.
        """
        return SerialExecutor().run(CampaignRun(self, budget, progress))

    def observations(self) -> list[Observation]:
        """Evaluated candidates (done or failed) with each output's merged value (see `optimizer.merge`)."""
        return self.snapshot().observations

    def best(self) -> analysis.Best | None:
        return analysis.best_feasible(self.observations(), self.problem)

    def to_dataframe(self) -> pandas.DataFrame:
        """One row per candidate (`optimizer.export.campaign_dataframe` of the snapshot)."""
        from .export import campaign_dataframe

        return campaign_dataframe(self.snapshot())
