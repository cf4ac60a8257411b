"""When a candidate is complete: typed requirements per candidate, and what no oracle will still give.

A candidate needs every output of the problem that the oracles it was sent to provide; where one of
those oracles is the lab, the lab's own value (a simulation of the same output cannot stand in).
"""

from __future__ import annotations

from typing import Iterable, Sequence

from oracles.results import Failure

from .problem import OracleInfo
from .store import Requirement


def requirements(outputs: Sequence[str], oracles: Sequence[OracleInfo],
                 assigned: set[str] | None) -> tuple[Requirement, ...]:
    """The `Requirement`s of a candidate sent to ``assigned`` oracle labels (None: sent to every oracle)."""
    if not assigned:
        return tuple(Requirement(name) for name in outputs)
    sent = [o for o in oracles if o.label in assigned]
    lab = {name: o.label for o in sent if o.manual for name in o.outputs}
    given = {name for o in sent for name in o.outputs}
    return tuple(Requirement(name, lab.get(name)) for name in outputs if name in given)


def unobtainable(required: Iterable[Requirement], have: set[tuple[str, str]],
                 sent: Sequence[OracleInfo]) -> list[Requirement]:
    """Requirements still unmet once every automated oracle answered, unless the lab (in ``sent``) gives them.

    Empty when the candidate is complete or only waits for the lab.
    """
    missing = [req for req in required if not req.met_by(have)]
    from_lab = {name for o in sent if o.manual for name in o.outputs}
    return [] if all(req.output in from_lab for req in missing) else missing


def implausible(label: str, error: Exception) -> Failure:
    """The failure recorded when an oracle returns a value no measurement could give (checked like a lab's)."""
    return Failure(f"{label} returned an impossible value: {error}")
