"""A compiled SevenNet model: used only where it pays, same forces, and an eager fallback that loses no call."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest
import torch

from oracles import OracleSetupError
from oracles.atomistic.compiled import CompiledModel
from oracles.atomistic.potential import load_calculator, torch_threads
from oracles.mlmd import MLMDOracle


class _Graph(dict[str, torch.Tensor]):
    """Stands in for SevenNet's input graph: a dict of tensors that the model writes into."""

    def clone(self) -> _Graph:
        return _Graph({k: v.clone() for k, v in self.items()})


class _Model(torch.nn.Module):
    cutoff = 5.0

    def forward(self, data: _Graph) -> _Graph:
        data["energy"] = (data["pos"] ** 2).sum()
        return data


def test_a_failed_compile_falls_back_to_the_eager_model_on_an_untouched_input(caplog: Any) -> None:
    model = CompiledModel(_Model(), "toy")
    assert model.cutoff == 5.0  # the calculator reads its model's attributes through the wrapper

    def broken(data: _Graph) -> _Graph:
        data["pos"] += 100.0  # wrote into the graph before failing
        raise RuntimeError("inductor: no C++ compiler\nmore detail")

    model._compiled = broken
    with torch_threads(1), caplog.at_level(logging.WARNING, logger="oracles.atomistic.compiled"):
        out = model(_Graph(pos=torch.tensor([[1.0, 2.0, 2.0]])))
        again = model(_Graph(pos=torch.tensor([[1.0, 2.0, 2.0]])))
    assert float(out["energy"]) == 9.0 and float(again["energy"]) == 9.0
    assert not model.compiled
    assert logging.getLogger("torch._dynamo").level == logging.NOTSET  # quieted for the compile only
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == ["torch.compile of toy failed (RuntimeError: inductor: no C++ compiler); running it uncompiled"]


def test_only_long_sevenn_runs_on_cpu_compile_by_default() -> None:
    assert MLMDOracle(preset="quick")._compiles()  # 7net-mf-0, 4000 production steps
    assert not MLMDOracle(preset="quick", production_steps=500)._compiles()
    assert not MLMDOracle(preset="quick", device="cuda")._compiles()
    assert not MLMDOracle(preset="quick", potential="chgnet")._compiles()
    assert not MLMDOracle(preset="smoke")._compiles()
    assert MLMDOracle(preset="smoke", potential="7net-0", compile_potential=True)._compiles()
    assert not MLMDOracle(preset="quick", compile_potential=False)._compiles()
    with pytest.raises(OracleSetupError, match="compile_potential='yes' must be true or false"):
        MLMDOracle(preset="quick", compile_potential="yes")  # type: ignore[arg-type]
    with pytest.raises(OracleSetupError, match="compiling is available for the SevenNet potentials, not 'chgnet'"):
        load_calculator("chgnet", compile_model=True)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::UserWarning")  # dynamo traces a warning of SevenNet's: as an error it would fail
def test_the_compiled_model_gives_the_eager_forces_energy_and_stress() -> None:
    pytest.importorskip("sevenn")
    from ase.build import bulk

    atoms = bulk("NaCl", "rocksalt", a=5.64).repeat((2, 2, 2))
    atoms.rattle(0.1, seed=1)
    results = []
    for compiled in (False, True):
        calc, _ = load_calculator("7net-mf-0", compile_model=compiled)
        a = atoms.copy()
        a.calc = calc
        with torch_threads(1):
            results.append((a.get_potential_energy(), a.get_forces(), a.get_stress()))
        if compiled:
            assert calc.model.compiled  # type: ignore[attr-defined]  # compiled, not fallen back
            a.rattle(0.05, seed=2)
            with torch_threads(2):  # more threads: the eager model (compiled kernels aborted there)
                a.get_forces()
    (e0, f0, s0), (e1, f1, s1) = results
    assert abs(e1 - e0) / len(atoms) < 1e-5  # eV/atom
    assert np.abs(f1 - f0).max() < 1e-4  # eV/A
    assert np.abs(s1 - s0).max() < 1e-5  # eV/A^3
