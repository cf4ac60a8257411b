"""What density does a potential give a LiAlCl2.5O0.75 melt at 0 GPa? Cost of one MTK NPT step per potential.

Builds the 63-atom cell at the ionic-volume density (2.10 g/cm3), relaxes it (FIRE, fixed cell),
melts it 0.5 ps NVT at 1500 K, then runs MTK NPT (ASE IsotropicMTKNPT, 0 GPa, 2 fs) at ``--T`` and
prints density, pressure and energy every 50 steps; ``--cost`` times 30 NPT steps instead.

    nice python -m benchmarks.mlmd_npt_probe --potential chgnet --T 700 --steps 1500
    nice python -m benchmarks.mlmd_npt_probe --potential 7net-0 --cost --atoms 60
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from oracles import Composition
from oracles.atomistic.potential import load_calculator, torch_threads
from oracles.atomistic.structures import build_amorphous, density_of
from oracles.mlmd.dynamics import pressure_GPa


def main() -> None:
    from ase import units
    from ase.md.bussi import Bussi
    from ase.md.nose_hoover_chain import IsotropicMTKNPT
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
    from ase.optimize import FIRE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--potential", default="chgnet")
    parser.add_argument("--T", type=float, default=700.0)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--atoms", type=int, default=60)
    parser.add_argument("--pdamp-fs", type=float, default=1000.0)
    parser.add_argument("--cost", action="store_true", help="time 30 NPT steps (after 5 warm-up steps) and exit")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    with torch_threads(1):
        calc, _ = load_calculator(args.potential)
        atoms = build_amorphous(Composition("Li", 1, 0.75), target_atoms=args.atoms, rng=np.random.default_rng(0))
        atoms.calc = calc
        rng = np.random.default_rng(0)
        if args.cost:
            FIRE(atoms, logfile=None).run(fmax=0.2, steps=30)
            MaxwellBoltzmannDistribution(atoms, temperature_K=1000, rng=rng)
        else:
            FIRE(atoms, logfile=None).run(fmax=0.2, steps=50)
            MaxwellBoltzmannDistribution(atoms, temperature_K=1500, rng=rng)
            Bussi(atoms, 1 * units.fs, temperature_K=1500, taut=100 * units.fs, rng=rng).run(500)
        dyn = IsotropicMTKNPT(atoms, 2 * units.fs, temperature_K=args.T, pressure_au=0.0, tdamp=100 * units.fs,
                              pdamp=args.pdamp_fs * units.fs)
        if args.cost:
            dyn.run(5)
            start = time.perf_counter()
            dyn.run(30)
            print(f"{args.potential} {len(atoms)} atoms: {(time.perf_counter() - start) / 30:.3f} s per NPT step")
            return
        t0 = time.perf_counter()

        def log() -> None:
            print(f"{dyn.nsteps} T={atoms.get_temperature():.0f} rho={density_of(atoms):.3f} "
                  f"P={pressure_GPa(atoms):.2f} E={atoms.get_potential_energy() / len(atoms):.4f} "
                  f"t={time.perf_counter() - t0:.0f}", flush=True)

        dyn.attach(log, interval=50)
        dyn.run(args.steps)


if __name__ == "__main__":
    main()
