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
            if not run.start(cand, slot):
                continue  # earlier attempts killed the process: failed with the reason
            logger.info("%s: evaluating candidate %d (%s)", slot.label, cand.id, cand.composition.formula)
            (result,) = call_oracle(slot.oracle, [cand.composition])
            run.record(cand, slot, result)
        run.finish(cand)
    run.report(batch)


class SerialExecutor:
    """In process, batch after batch (the default).

    No isolation: an oracle that kills the process (segfault, ``os._exit``) ends the run; the attempt
    bookkeeping of `CampaignRun.start` then fails that candidate after ``retries + 1`` tries instead of
    crashing every resume. Per-attempt timeouts need a separate process: ``--executor local``.
    """

    name = "serial"

    def run(self, run: CampaignRun) -> int:
        """Resume what is pending, then reserve and evaluate batches while the run may propose.

        Holds the campaign's runner lock throughout (a second run is refused, naming this one).
        """
        before = run.stats.evaluated
        with run.exclusive():
            resumed = run.resumable()
            if resumed:
                evaluate(run, resumed)
            batch_size = run.campaign.config.loop.batch_size
            while batch := run.reserve(batch_size):
                evaluate(run, batch)
        return run.stats.evaluated - before
