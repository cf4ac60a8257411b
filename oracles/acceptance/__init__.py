"""Acceptance checks of the ML potentials on this chemistry (`viglas potentials`, issue 11).

For each potential: formation energies of the M/Al chlorides, oxides and sulfides against measured
enthalpies, the relaxed volume and coordination of crystalline LiAlCl4 and NaAlCl4, and the cost of a
force call. See ``docs/potentials.md`` for the recorded table and the choice it supports. Importing
this package loads neither torch nor a potential.
"""

from .table import AcceptanceReport, PotentialReport, check_potential, run_acceptance

__all__ = ["AcceptanceReport", "PotentialReport", "check_potential", "run_acceptance"]
