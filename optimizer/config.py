"""The campaign YAML schema: strict (unknown keys are errors), with errors that name the key and line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from oracles import Composition, CompositionError, CompositionSpace

from . import yamlfile
from .problem import Objective, OutcomeConstraint, Problem


class ConfigError(ValueError):
    """A campaign file that cannot be used; the message names the file, line and key."""


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is not a number")
    return value


#: Numbers in settings: YAML's true/false are never read as 1/0.
Int = Annotated[int, BeforeValidator(_not_bool)]
Float = Annotated[float, BeforeValidator(_not_bool)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpaceConfig(_Strict):
    M: list[Literal["Li", "Na"]] = Field(min_length=1, description="alkali metals to search")
    m_al: tuple[Float, Float] = Field(description="[low, high] M/Al molar ratio")
    o_al: tuple[Float, Float] = Field(description="[low, high] O/Al molar ratio")
    s_al: tuple[Float, Float] = Field((0.0, 0.0), description="[low, high] S/Al molar ratio")
    min_cl_al: Float = Field(0.0, ge=0, description="minimum Cl/Al after charge balance")
    constraints: list[str] = Field(default_factory=list,
                                   description="linear constraints in m_al, o_al, s_al, e.g. 'o_al + s_al <= 0.9'")

    @field_validator("m_al", "o_al", "s_al")
    @classmethod
    def _ordered(cls, bounds: tuple[float, float]) -> tuple[float, float]:
        low, high = bounds
        if low < 0:
            raise ValueError(f"lower bound {low} is negative")
        if high < low:
            raise ValueError(f"bounds [{low}, {high}] are inverted (low > high)")
        return bounds

    def to_space(self) -> CompositionSpace:
        return CompositionSpace(tuple(self.M), self.m_al, self.o_al, self.s_al, self.min_cl_al)


class ObjectiveConfig(_Strict):
    name: str
    goal: Literal["maximize", "minimize"]


class OracleConfig(BaseModel):
    """One oracle entry: ``kind`` plus the oracle's own options (checked against its constructor)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    kind: str = Field(description="mlmd, hull, lab, python, or another registered kind")
    name: str | None = Field(None, description="label in the store; defaults to the oracle's own name")
    cost: Float = Field(1.0, gt=0, description="relative cost of one evaluation (for cost-aware strategies)")
    target: str | None = Field(None, description="kind python only: 'module:Class'")
    options: dict[str, Any] = Field(default_factory=dict, description="kind python only: constructor keywords")

    @model_validator(mode="after")
    def _python_fields(self) -> OracleConfig:
        if self.kind == "python":
            if not self.target or ":" not in self.target:
                raise ValueError("kind python needs target: 'module:Class'")
            if self.model_extra:
                raise ValueError(f"unknown key(s) {sorted(self.model_extra)} for kind python; put them under options")
        elif self.target is not None or self.options:
            raise ValueError(f"target/options are for kind python; give {self.kind} options directly")
        return self

    @property
    def kind_options(self) -> dict[str, Any]:
        return dict(self.options) if self.kind == "python" else dict(self.model_extra or {})


class StopWhen(_Strict):
    """When `run` stops before the budget; each rule given is checked before a batch is reserved."""

    no_improvement_batches: Int | None = Field(
        None, ge=1, description="stop after this many batches in a row without a better feasible point "
                                "(best value for one objective, hypervolume for several)")
    expected_improvement_below: Float | None = Field(
        None, gt=0, description="stop when the model expects less improvement than this from the next batch, in "
                                "the objective's unit (for several objectives: hypervolume, product of units)")


class LoopConfig(_Strict):
    initial: Int = Field(8, ge=0, description="space-filling points before the first model")
    batch_size: Int = Field(4, ge=1, description="candidates per proposal")
    budget: Int = Field(40, ge=1, description="total evaluations")
    same_within_batch: list[Literal["M"]] = Field(
        default_factory=list, description="categorical parameters each batch keeps to one value (one furnace run)")
    stop_when: StopWhen | None = Field(None, description="stopping rules before the budget")


class ListedCandidate(_Strict):
    """One entry of ``candidates:`` given by its ratios (an entry may also be a formula string)."""

    M: Literal["Li", "Na"]
    m_al: Float
    o_al: Float = 0.0
    s_al: Float = 0.0


class CampaignConfig(_Strict):
    name: str = Field(min_length=1)
    seed: Int = 0
    store: str = Field(description="SQLite file, relative to the campaign file")
    space: SpaceConfig
    objectives: list[ObjectiveConfig] = Field(min_length=1)
    constraints: list[str] = Field(default_factory=list)
    oracles: list[OracleConfig] = Field(min_length=1)
    candidates: list[str | ListedCandidate] = Field(
        default_factory=list, description="fixed compositions (formulas or M/ratios) evaluated first, in order")
    loop: LoopConfig = LoopConfig()
    strategy: str = "qlognehvi"

    def listed_candidates(self) -> list[Composition]:
        """The ``candidates:`` list as compositions (validated at load time)."""
        return [Composition.from_formula(c) if isinstance(c, str) else Composition(c.M, c.m_al, c.o_al, c.s_al)
                for c in self.candidates]

    def problem(self) -> Problem:
        return Problem(
            self.space.to_space(),
            tuple(Objective(o.name, o.goal) for o in self.objectives),
            tuple(OutcomeConstraint.parse(c) for c in self.constraints),
        )

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True)

    def hash(self) -> str:
        """Hash of the meaning of the file (comments and layout do not change it)."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()[:16]


def parse_config(text: str, *, source: str = "<campaign>") -> CampaignConfig:
    """Parse and validate campaign YAML ``text``; raise `ConfigError` naming the line and key."""
    try:
        data, lines = yamlfile.load(text, source)
    except yamlfile.YamlError as err:
        raise ConfigError(str(err)) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a campaign file must be a YAML mapping of keys to values")
    try:
        config = CampaignConfig.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
        raise ConfigError(f"{yamlfile.where(source, lines, loc)}: {yamlfile.dotted(loc)}: {message}") from None
    _check_semantics(config, source, lines)
    return config


def _check_semantics(config: CampaignConfig, source: str, lines: dict[tuple[Any, ...], int]) -> None:
    from .strategies import STRATEGIES

    try:
        config.space.to_space()
    except CompositionError as err:
        raise ConfigError(f"{yamlfile.where(source, lines, ('space',))}: space: {err}") from None
    for i, text in enumerate(config.constraints):
        try:
            OutcomeConstraint.parse(text)
        except ValueError as err:
            raise ConfigError(f"{yamlfile.where(source, lines, ('constraints', i))}: constraints[{i}]: {err}") from None
    names = [o.name for o in config.objectives]
    if len(set(names)) != len(names):
        raise ConfigError(f"{yamlfile.where(source, lines, ('objectives',))}: objectives: an output is listed twice")
    if config.strategy not in STRATEGIES:
        raise ConfigError(
            f"{yamlfile.where(source, lines, ('strategy',))}: strategy: {config.strategy!r} is not one of "
            f"{', '.join(sorted(STRATEGIES))}"
        )
    if config.loop.initial > config.loop.budget:
        raise ConfigError(f"{yamlfile.where(source, lines, ('loop', 'initial'))}: loop.initial exceeds loop.budget")
    _check_listed(config, source, lines)


def _check_listed(config: CampaignConfig, source: str, lines: dict[tuple[Any, ...], int]) -> None:
    """Every listed candidate is a composition of the space, listed once, and the budget holds them all."""
    space = config.space.to_space()
    seen: dict[Composition, int] = {}
    for i, entry in enumerate(config.candidates):
        where = f"{yamlfile.where(source, lines, ('candidates', i))}: candidates[{i}]"
        try:
            comp = (Composition.from_formula(entry) if isinstance(entry, str)
                    else Composition(entry.M, entry.m_al, entry.o_al, entry.s_al))
            space.check(comp)
        except CompositionError as err:
            raise ConfigError(f"{where}: {err}") from None
        if comp in seen:
            raise ConfigError(f"{where}: {comp.formula} is listed twice (also candidates[{seen[comp]}])")
        seen[comp] = i
    if len(config.candidates) > config.loop.budget:
        where = yamlfile.where(source, lines, ("loop", "budget"))
        raise ConfigError(f"{where}: loop.budget={config.loop.budget} is smaller than the "
                          f"{len(config.candidates)} listed candidates")


def load_config(path: Path | str) -> CampaignConfig:
    path = Path(path)
    try:
        text = yamlfile.read_text(path, "campaign file")
    except yamlfile.YamlError as err:
        raise ConfigError(str(err)) from None
    return parse_config(text, source=str(path))


def line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """1-based line of key path ``loc`` in YAML ``text`` (for errors found after parsing)."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    return None if node is None else yamlfile.line_index(node).get(loc)
