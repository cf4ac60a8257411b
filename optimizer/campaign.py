"""The public campaign object: ask/tell over the store, `run` as a thin loop over the same steps (as in
Optuna's Study), and the readers' entry points.

>>> campaign = Campaign.from_yaml("campaigns/demo.yaml")  # doctest: +SKIP
>>> for cand in campaign.ask(2): ...                      # doctest: +SKIP
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from oracles import Composition

from . import analysis
from .core import CampaignChangedError, CampaignCore
from .executors.serial import SerialExecutor
from .merge import MANUAL
from .problem import Observation
from .snapshot import CampaignSnapshot
from .steps import CampaignRun, Progress
from .store import HISTORICAL, INITIAL, Candidate
from .tell import TellError, check_values

if TYPE_CHECKING:
    import pandas

    from .explain import Expectation, Explanation
    from .insight import Prediction, Predictor

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

    def ask(self, n: int | None = None, *, template: Path | str | None = None) -> list[Candidate]:
        """Propose ``n`` (default ``loop.batch_size``) candidates and reserve them as pending.

        Never beyond ``loop.budget``: near it fewer come back, at it none. With ``template`` (.csv or
        .xlsx), the new candidates and those waiting for the lab are written there for the lab to fill
        in (with the model's read-only predictions), inside the reserving transaction: if the file cannot
        be written, nothing is reserved. ``n=0`` with a template writes only those waiting for the lab.
        """
        n = self.config.loop.batch_size if n is None else n
        if isinstance(n, bool) or n < (0 if template is not None else 1):
            raise ValueError(f"n={n}: ask for at least {0 if template is not None else 1} candidate(s)")
        if template is None:
            return self.reserve(n, budget=self.config.loop.budget)
        from .templates import check_template_path

        path = Path(template)
        check_template_path(path)
        predictor = self.predictor()  # fitted before the write transaction: the data do not change by reserving
        return self.reserve(n, budget=self.config.loop.budget,
                            then=lambda batch: self._write_template(path, batch, predictor))

    def predictor(self) -> Predictor | None:
        """The model of the current data, or None (fewer than two complete evaluations, or no torch here)."""
        try:
            from .insight import Predictor
        except ImportError:  # pragma: no cover - torch is a dependency; a broken install still gets its template
            return None
        snapshot = self.snapshot()
        return Predictor.fit(snapshot.problem, snapshot.observations)

    def template_rows(self, batch: Sequence[Candidate] = (), predictor: Predictor | None = None
                      ) -> list[dict[str, object]]:
        """Rows of a lab template: the candidates waiting for the lab, then ``batch``, each with the model's
        read-only columns (see `optimizer.templates.model_cells`)."""
        from .templates import model_cells

        new = {c.id for c in batch}
        candidates = [*(c for c in self.waiting_for_lab() if c.id not in new), *batch]
        found = predictor.predict([c.composition for c in candidates]) if predictor else [None] * len(candidates)
        proposals = self.store.proposals()
        return [{"id": c.id, **c.composition.as_dict(), "cl_al": round(c.composition.cl_al, 6),
                 "formula": c.composition.formula,
                 **model_cells(p, proposals.get(c.id, {}), c.source, self.problem.outputs, self.units)}
                for c, p in zip(candidates, found)]

    def _write_template(self, path: Path, batch: Sequence[Candidate], predictor: Predictor | None) -> None:
        from .templates import template_columns, write_template

        lab = [s for s in self.oracles if s.manual]
        outputs = list(lab[0].oracle.outputs) if lab else list(self.problem.outputs)
        write_template(path, self.template_rows(batch, predictor), template_columns(self.units, outputs))

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

    def tell(self, candidate_id: int, values: dict[str, float], *, std: dict[str, float] | None = None,
             oracle: str = MANUAL, replace: bool = False) -> Candidate:
        """Record values (declared units) for a candidate; see `optimizer.tell` for the checks."""
        units = self.units
        check_values(values, std, units)
        oracle = self.lab_label if oracle == MANUAL else oracle
        self._refuse_withdrawn(candidate_id)
        self.store.record_values(candidate_id, oracle=oracle, values=values, std=std, units=units,
                                 required=self.required(candidate_id), replace=replace, mark_evaluated=False,
                                 provenance={"entered_by": oracle})
        cand = self.store.candidate(candidate_id)
        assert cand is not None
        return cand

    def fail(self, candidate_id: int, reason: str) -> Candidate:
        """Record that the lab could not make or measure a pending candidate (e.g. "no glass formed").

        Stored like an oracle's failure (the lab's label, the reason); the success model learns from it.
        """
        reason = _reason(reason, "failure")
        self._refuse_withdrawn(candidate_id)
        cand = self.store.candidate(candidate_id)
        if cand is not None and cand.state != "pending":
            raise TellError(f"candidate {candidate_id} is {cand.state}; only a pending candidate can be reported "
                            "as failed")
        self.store.record_failure(candidate_id, oracle=self.lab_label, reason=reason,
                                  required=self.required(candidate_id))
        final = self.store.candidate(candidate_id)
        assert final is not None
        return final

    def withdraw(self, candidate_id: int, reason: str) -> Candidate:
        """Withdraw a pending candidate before it is made: it frees its budget slot, stays in the history
        with ``reason``, is never proposed again, and is not a failure to the models."""
        self.store.withdraw(candidate_id, reason=_reason(reason, "withdrawal"))
        final = self.store.candidate(candidate_id)
        assert final is not None
        return final

    def _refuse_withdrawn(self, candidate_id: int) -> None:
        cand = self.store.candidate(candidate_id)
        if cand is None:
            raise KeyError(f"no candidate with id {candidate_id}")
        if cand.state == "withdrawn":
            reason = self.store.withdrawals().get(candidate_id, "")
            raise TellError(f"candidate {candidate_id} was withdrawn ({reason}); nothing recorded")

    def tell_file(self, path: Path | str, *, replace: bool = False) -> int:
        """Apply a CSV or .xlsx results file all-or-nothing (see `optimizer.lab_rows`); return the rows applied."""
        from .lab_rows import apply_rows, parse_rows
        from .tables import TableError, read_table

        path = Path(path)
        try:
            table = read_table(path)
        except TableError as err:
            raise TellError(str(err)) from None
        rows = parse_rows(path, table, units=self.units, lookup=self.store.candidate, metals=self.problem.space.metals)
        return apply_rows(rows, path=path, store=self.store, units=self.units, lab_label=self.lab_label,
                          required=self.required, replace=replace)

    def predict(self, compositions: Sequence[Composition | str]) -> list[Prediction] | None:
        """The model's predictions (mean, std, P(feasible)) at compositions given as `Composition`, formula or
        ``M=...,m_al=...``, without reserving them; None before two complete evaluations."""
        from .explain import predictions

        comps = [c if isinstance(c, Composition) else Composition.parse(c) for c in compositions]
        for comp in comps:
            reason = self.problem.space.violation(comp)
            if reason:
                logger.warning("%s lies outside the campaign's space (%s): the prediction extrapolates",
                               comp.formula, reason)
        return predictions(self.snapshot(), comps)

    def explain(self, candidate_id: int) -> Explanation:
        """Why candidate ``candidate_id`` was proposed, what the model says of it now, its nearest evaluated
        neighbours (`optimizer.explain.Explanation`); `KeyError` for an unknown id."""
        from .explain import explain

        return explain(self.snapshot(), candidate_id)

    def expected_gain(self) -> Expectation | None:
        """How much improvement the model still expects from the next batch (`optimizer.explain.expected_gain`)."""
        from .explain import expected_gain

        return expected_gain(self.snapshot(), batch_size=self.config.loop.batch_size)

    def to_dataframe(self) -> pandas.DataFrame:
        """One row per candidate (`optimizer.export.campaign_dataframe` of the snapshot)."""
        from .export import campaign_dataframe

        return campaign_dataframe(self.snapshot())


def _reason(text: str, what: str) -> str:
    reason = " ".join(str(text).split())
    if not reason:
        raise TellError(f"give a reason for the {what}, e.g. \"no glass formed\"")
    if len(reason) > 500:
        raise TellError(f"the reason for the {what} is {len(reason)} characters; keep it under 500")
    return reason
