"""A compact HTML summary of a campaign, for Jupyter (`Campaign._repr_html_`) and the dashboard."""

from __future__ import annotations

from html import escape

from ..snapshot import CampaignSnapshot
from .style import constraint_text, pretty_unit, short_label
from .tables import _plain, top_table_html


def counts_html(data: CampaignSnapshot, budget: int | None = None) -> str:
    done = sum(1 for o in data.observations if not o.failed)
    failed = len(data.failed())
    total = done + failed + len(data.pending)
    of = f" of a budget of {budget}" if budget is not None else ""
    return (f'<p class="counts"><b>{total}</b> candidates{of}: <b>{done}</b> done, <b>{failed}</b> failed, '
            f"<b>{len(data.pending)}</b> pending; <b>{len(data.feasible())}</b> feasible, "
            f"<b>{len(data.pareto_ids())}</b> on the Pareto front.</p>")


def problem_html(data: CampaignSnapshot) -> str:
    objectives = ", ".join(f"{o.goal} {_plain(short_label(o.name))} "
                           f"[{_plain(pretty_unit(data.units.get(o.name, ''), data.metals))}]"
                           for o in data.problem.objectives)
    constraints = ", ".join(_plain(constraint_text(c, data.units, data.metals))
                            for c in data.problem.constraints) or "none"
    space = data.problem.space
    box = (f"M in {{{', '.join(space.metals)}}}, M/Al {list(space.m_al)}, O/Al {list(space.o_al)}, "
           f"S/Al {list(space.s_al)}, Cl/Al ≥ {space.min_cl_al:g}")
    return (f'<p class="problem">Objectives: {objectives}. Constraints: {constraints}.<br>'
            f"Search space: {escape(box)}.</p>")


def summary_html(data: CampaignSnapshot, *, top: int = 5) -> str:
    """Name, counts, objectives and the top ``top`` candidates as a small HTML fragment."""
    return (f'<div class="viglas-summary"><h3>Campaign {escape(data.name)}</h3>'
            f"{counts_html(data, data.budget)}{problem_html(data)}{top_table_html(data, n=top)}</div>")
