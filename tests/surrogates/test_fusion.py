"""Multi-fidelity fusion: the fused GP learns the simulation's bias; the routing rule is cost-aware."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from benchmarks.fidelity import BiasedSimulation, LabTruth
from benchmarks.landscapes import SyntheticGlass
from optimizer.campaign import Campaign
from optimizer.strategies.multifidelity import MultiFidelityMixin
from oracles import CompositionSpace, Evaluation
from surrogates.fusion import FusedGP, route
from surrogates.models import MixedGP
from surrogates.transforms import SpaceEncoder
from tests.campaign_helpers import write_campaign

SPACE = CompositionSpace(("Li", "Na"), (0.5, 1.5), (0.2, 1.0), (0.0, 0.5), 0.5)


def _values(oracle: object, comps: list) -> list[float]:
    results = oracle.evaluate(comps)  # type: ignore[attr-defined]
    return [r.values["log10_sigma_30C"] for r in results if isinstance(r, Evaluation)]


def test_fused_gp_beats_lab_only_on_held_out_lab_values() -> None:
    encoder = SpaceEncoder(SPACE)
    sim_points = SPACE.sobol(40, seed=3)
    lab_points = sim_points[::5]
    sim, lab = _values(BiasedSimulation(), sim_points), _values(LabTruth(), lab_points)
    X = torch.cat([encoder.encode(sim_points), encoder.encode(lab_points)])
    task = torch.cat([torch.zeros(len(sim_points)), torch.ones(len(lab_points))])
    Y = torch.tensor(sim + lab, dtype=torch.float64).reshape(-1, 1)
    fused = FusedGP(name="log10_sigma_30C", n_tasks=2, maxiter=100).fit(X, task, Y)
    lab_only = MixedGP(names=["log10_sigma_30C"], maxiter=100).fit(encoder.encode(lab_points),
                                                                  Y[len(sim_points):]).model_
    test = SPACE.sobol(100, seed=99)
    truth = np.array([SyntheticGlass.truth(c)["log10_sigma_30C"] for c in test])
    fused_rmse = np.sqrt(np.mean((fused.predict(encoder.encode(test))[0].numpy() - truth) ** 2))
    with torch.no_grad():
        lab_mean = lab_only.posterior(encoder.encode(test)).mean.reshape(-1).numpy()
    lab_rmse = np.sqrt(np.mean((lab_mean - truth) ** 2))
    assert fused_rmse < 0.7 * lab_rmse
    assert float(fused.task_correlation()[0, 1]) > 0.8  # the simulation tracks the lab despite its bias


def test_route_follows_the_cost_scaled_threshold() -> None:
    stds = torch.tensor([0.05, 0.3, 0.6], dtype=torch.float64)
    assert route(stds, [1.0, 25.0], spread=1.0) == [True, False, False]  # gamma = 0.2
    assert route(stds, [1.0, 4.0], spread=1.0) == [True, True, False]  # cheaper lab: gamma = 0.5
    assert route(stds, [1.0, 4.0], spread=0.1) == [True, False, False]  # gamma = 0.05


def test_campaign_with_two_fidelities_fuses_and_routes(tmp_path: Path) -> None:
    oracles = [{"kind": "python", "target": "benchmarks.fidelity:BiasedSimulation", "cost": 1},
               {"kind": "python", "target": "benchmarks.fidelity:LabTruth", "cost": 20}]
    path = write_campaign(tmp_path, oracles=oracles, objectives=[{"name": "log10_sigma_30C", "goal": "maximize"}],
                          constraints=[], strategy="qlognehvi", loop={"initial": 5, "batch_size": 3, "budget": 8})
    campaign = Campaign.from_yaml(path)
    strategy = campaign.strategy()
    assert isinstance(strategy, MultiFidelityMixin) and strategy.name == "qlognehvi"  # the configured name
    campaign.run()
    assert {c.source for c in campaign.store.candidates()} <= {"initial", "qlognehvi"}
    assignments = campaign.store.assignments()
    assert len(assignments) == 8 and all("biased-sim" in oracles for oracles in assignments.values())
    initial = [c.id for c in campaign.store.candidates() if c.source == "initial"]
    assert sum("lab-truth" in assignments[c] for c in initial) == 2  # max(2, ceil(5 sqrt(1/20)))
    frame = campaign.to_dataframe()
    assert len(frame) == 8 and (frame.state != "pending").all()
    lab_rows = [r for r in campaign.store.results() if r.oracle == "lab-truth"]
    sim_rows = [r for r in campaign.store.results() if r.oracle == "biased-sim"]
    assert len(sim_rows) > len(lab_rows)  # every candidate is simulated, only some measured


def test_fidelity_oracles_conform() -> None:
    from oracles.testing import check_oracle

    check_oracle(BiasedSimulation())
    check_oracle(LabTruth())


def test_status_calibration_pairs_simulation_and_lab(tmp_path: Path) -> None:
    from optimizer.calibration import calibrations
    from optimizer.cli import main

    oracles = [{"kind": "python", "target": "benchmarks.fidelity:BiasedSimulation", "cost": 1},
               {"kind": "python", "target": "benchmarks.fidelity:LabTruth", "cost": 20}]
    path = write_campaign(tmp_path, oracles=oracles, objectives=[{"name": "log10_sigma_30C", "goal": "maximize"}],
                          constraints=[], strategy="sobol", loop={"initial": 6, "batch_size": 6, "budget": 6})
    campaign = Campaign.from_yaml(path)
    campaign.run()
    (cal,) = calibrations(campaign.snapshot())
    assert (cal.cheap, cal.trusted) == ("biased-sim", "lab-truth")
    assert len(cal.pairs) >= 3 and cal.correlation > 0.8
    for pair in cal.pairs:
        assert pair.cheap != pair.trusted
    assert main(["status", str(path), "--calibration"]) == 0
