"""The top-candidates table, as rows and as HTML (shared by the report, the dashboard and notebooks)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Sequence

from ..problem import Observation
from ..snapshot import CampaignSnapshot
from .style import constraint_text, pretty_unit, short_label


@dataclass(frozen=True)
class TopRow:
    rank: int
    observation: Observation
    status: str  # "Pareto front", "feasible" or the violated constraint(s)


def top_candidates(data: CampaignSnapshot, n: int = 10) -> list[TopRow]:
    """Complete evaluations, best first: Pareto front, then other feasible, then infeasible, each by the
    first objective."""
    problem = data.problem
    first = problem.objectives[0]
    front = data.pareto_ids()

    def key(o: Observation) -> tuple[int, float]:
        group = 0 if o.candidate_id in front else 1 if o.feasible(problem) else 2
        return group, -first.sign * o.values[first.name]

    rows = []
    for rank, obs in enumerate(sorted(data.complete(), key=key)[:n], start=1):
        if obs.candidate_id in front:
            status = "Pareto front" if len(problem.objectives) > 1 else "best feasible"
        elif obs.feasible(problem):
            status = "feasible"
        else:
            broken = [_plain(constraint_text(c, data.units, data.metals)) for c in problem.constraints
                      if not c.satisfied(obs.values[c.output])]
            status = "violates " + ", ".join(broken)
        rows.append(TopRow(rank, obs, status))
    return rows


def _cell(value: float, std: float | None, name: str) -> str:
    text = f"{value:.4g}" + (f" ± {std:.2g}" if std is not None else "")
    attrs = f' data-output="{escape(name)}" data-value="{value!r}"'
    return f'<td class="num"{attrs}>{escape(text)}</td>'


def top_table_html(data: CampaignSnapshot, rows: Sequence[TopRow] | None = None, *, n: int = 10) -> str:
    """An HTML table of ``rows`` (default: `top_candidates`), values in the declared units.

    Each value cell carries ``data-output`` and the full-precision ``data-value``.
    """
    rows = top_candidates(data, n) if rows is None else rows
    outputs = list(dict.fromkeys([*data.problem.outputs, *data.units]))
    if not rows:
        return '<p class="empty">No complete evaluation yet.</p>'
    head = ["rank", "id", "formula", "M/Al", "O/Al", "S/Al", "Cl/Al"]
    head += [f"{short_label(o)} [{pretty_unit(data.units.get(o, ''), data.metals)}]" for o in outputs]
    extra_log = [o for o in outputs if o.startswith("log10_") and data.units.get(o, "").startswith("log10(")]
    head += [f"{short_label(o)} [{data.units[o][6:-1]}]" for o in extra_log] + ["status"]
    lines = ['<table class="top">', "<thead><tr>" + "".join(f"<th>{_plain(h)}</th>" for h in head) + "</tr></thead>",
             "<tbody>"]
    for row in rows:
        obs, c = row.observation, row.observation.composition
        cells = [f"<td>{row.rank}</td>", f'<td class="id">{obs.candidate_id}</td>',
                 f'<td class="formula">{escape(c.formula)}</td>',
                 *(f'<td class="num">{v:.4g}</td>' for v in (c.m_al, c.o_al, c.s_al, c.cl_al))]
        cells += [_cell(obs.values[o], obs.std.get(o), o) if o in obs.values else "<td>–</td>" for o in outputs]
        cells += [f'<td class="num">{10 ** obs.values[o]:.3g}</td>' if o in obs.values else "<td>–</td>"
                  for o in extra_log]
        cells.append(f'<td class="status">{row.status}</td>')  # already escaped
        lines.append(f'<tr data-id="{obs.candidate_id}">' + "".join(cells) + "</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def _plain(text: str) -> str:
    """Header text without matplotlib mathtext (``$T_g$`` -> ``Tg``, ``Li$^+$`` -> ``Li+``)."""
    return escape(text.replace("$T_g$", "Tg").replace("$^+$", "+").replace("$", ""))
