"""What a campaign optimises: objectives and outcome constraints over a composition space."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Mapping

from oracles import Composition, CompositionSpace

Goal = Literal["maximize", "minimize"]
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class Objective:
    name: str
    goal: Goal

    @property
    def sign(self) -> float:
        """+1 for maximize, -1 for minimize: ``sign * value`` is always to be maximised."""
        return 1.0 if self.goal == "maximize" else -1.0


@dataclass(frozen=True)
class OutcomeConstraint:
    """``output op bound``, e.g. ``oxidation_V >= 3.8`` (bound in the output's declared unit)."""

    output: str
    op: Literal["<=", ">="]
    bound: float

    @classmethod
    def parse(cls, text: str) -> OutcomeConstraint:
        match = _CONSTRAINT.match(text)
        if not match:
            raise ValueError(f"constraint {text!r} is not of the form 'NAME >= NUMBER' or 'NAME <= NUMBER'")
        name, op, bound = match.groups()
        return cls(name, op, float(bound))  # type: ignore[arg-type]

    def satisfied(self, value: float) -> bool:
        return value >= self.bound if self.op == ">=" else value <= self.bound

    def slack(self, value: float) -> float:
        """Positive when satisfied, negative by the amount of violation."""
        return value - self.bound if self.op == ">=" else self.bound - value

    def __str__(self) -> str:
        return f"{self.output} {self.op} {self.bound:g}"


@dataclass(frozen=True)
class OracleInfo:
    """What a strategy may know of an oracle: its label, relative cost, outputs, and if it is the lab."""

    label: str
    cost: float
    outputs: tuple[str, ...]
    manual: bool = False

    @property
    def trust(self) -> float:
        """Rank as a source of truth: the lab above every simulation, simulations by cost."""
        return float("inf") if self.manual else self.cost


@dataclass(frozen=True)
class Problem:
    space: CompositionSpace
    objectives: tuple[Objective, ...]
    constraints: tuple[OutcomeConstraint, ...] = ()
    oracles: tuple[OracleInfo, ...] = ()
    #: output -> declared unit (filled in by the campaign from its oracles; for messages).
    units: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def outputs(self) -> tuple[str, ...]:
        """Every output the optimiser models, objectives first."""
        names = [o.name for o in self.objectives] + [c.output for c in self.constraints]
        return tuple(dict.fromkeys(names))

    def sources(self, output: str) -> tuple[OracleInfo, ...]:
        """Oracles providing ``output``, least trusted first."""
        return tuple(sorted((o for o in self.oracles if output in o.outputs), key=lambda o: o.trust))

    @property
    def multi_fidelity_outputs(self) -> tuple[str, ...]:
        """Outputs of the problem that several oracles provide (fidelities to fuse)."""
        return tuple(name for name in self.outputs if len(self.sources(name)) > 1)


@dataclass(frozen=True)
class Observation:
    """Everything known about one evaluated candidate, as strategies see it.

    ``values``/``std`` hold the value of each output from its most trusted source (the costliest
    oracle, the lab above simulations; declared units); ``sources`` holds every oracle's values
    (oracle label -> output -> (value, std or None)) for multi-fidelity models; ``failed`` is true
    when an oracle recorded a `Failure` for the candidate.
    """

    candidate_id: int
    composition: Composition
    values: Mapping[str, float] = field(default_factory=dict)
    std: Mapping[str, float] = field(default_factory=dict)
    failed: bool = False
    sources: Mapping[str, Mapping[str, tuple[float, float | None]]] = field(default_factory=dict)

    def complete(self, problem: Problem) -> bool:
        return not self.failed and all(name in self.values for name in problem.outputs)

    def feasible(self, problem: Problem) -> bool:
        """Evaluated successfully, with every outcome constraint satisfied."""
        return self.complete(problem) and all(c.satisfied(self.values[c.output]) for c in problem.constraints)
