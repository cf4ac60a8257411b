"""The serial executor: batch after batch in this process, each candidate's answer committed as it arrives."""

from __future__ import annotations

import logging

from oracles.guard import call_oracle

from ..steps import CampaignRun
from ..store import Candidate

logger = logging.getLogger(__name__)


def evaluate(run: CampaignRun, batch: list[Candidate]) -> None:
    """Every oracle ``batch`` still needs, one candidate at a time (each result committed before the next
    call), then close each candidate."""
    for cand in batch:
        for slot in run.todo(cand):
            logger.info("%s: evaluating candidate %d (%s)", slot.label, cand.id, cand.composition.formula)
            (result,) = call_oracle(slot.oracle, [cand.composition])
            run.record(cand, slot, result)
        run.finish(cand)
    run.report(batch)


class SerialExecutor:
    """In process, batch after batch (the default)."""

    name = "serial"

    def run(self, run: CampaignRun) -> int:
        """Resume what is pending, then reserve and evaluate batches while the run may propose."""
        before = run.stats.evaluated
        resumed = run.resumable()
        if resumed:
            evaluate(run, resumed)
        batch_size = run.campaign.config.loop.batch_size
        while batch := run.reserve(batch_size):
            evaluate(run, batch)
        return run.stats.evaluated - before
