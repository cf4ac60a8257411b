"""Measured reference data the potentials and the hull are checked and anchored against.

Formation enthalpies (298 K, kJ/mol of formula unit, elements in their standard states) and the
measured crystal structures of LiAlCl4 and NaAlCl4. Every value names its source.

Main table: the experimental set behind the Materials Project 2020 corrections (A. Wang et al.,
"A framework for quantifying uncertainty in DFT energy corrections", Sci. Rep. 11, 15496 (2021)),
which pymatgen ships as ``pymatgen/analysis/compatibility/exp_compounds.json.gz`` (eV per formula
unit, converted here with 96.4853 kJ/mol per eV; its one-sigma uncertainty where it gives one).
That set compiles Kubaschewski, Alcock & Spencer, *Materials Thermochemistry* (1993) and the
NIST-JANAF tables (M. W. Chase, J. Phys. Chem. Ref. Data Monograph 9, 1998).
Where another standard table disagrees by more than 0.01 eV/atom, ``alternative`` records it.
"""

from __future__ import annotations

from dataclasses import dataclass

#: kJ/mol per eV per formula unit (Faraday constant / 1000).
KJ_PER_MOL_PER_EV = 96.4853

_WANG2021 = "Wang et al. 2021 (MP2020 fit set; Kubaschewski 1993 / NIST-JANAF 1998)"
_JANAF = "NIST-JANAF, Chase 1998"
_NBS = "NBS tables, Wagman et al. 1982 (as reprinted in the CRC Handbook)"


@dataclass(frozen=True)
class FormationEnthalpy:
    """Standard formation enthalpy of one crystalline compound.

    Attributes:
        formula: reduced formula (pymatgen style).
        kJ_mol: Delta_f H at 298 K, kJ per mol of formula unit.
        source: where ``kJ_mol`` comes from.
        sigma_kJ_mol: one-sigma uncertainty given by the source (None: the source gives none).
        alternative: another tabulated value (kJ/mol) and its source, where they differ notably.
    """

    formula: str
    kJ_mol: float
    source: str
    sigma_kJ_mol: float | None = None
    alternative: tuple[float, str] | None = None

    @property
    def n_atoms(self) -> int:
        from pymatgen.core import Composition

        return round(Composition(self.formula).num_atoms)

    @property
    def eV_atom(self) -> float:
        """Delta_f H in eV/atom."""
        return self.kJ_mol / KJ_PER_MOL_PER_EV / self.n_atoms

    @property
    def sigma_eV_atom(self) -> float | None:
        return None if self.sigma_kJ_mol is None else self.sigma_kJ_mol / KJ_PER_MOL_PER_EV / self.n_atoms


def _wang(formula: str, eV_fu: float, sigma_eV_fu: float | None = None,
          alternative: tuple[float, str] | None = None) -> FormationEnthalpy:
    sigma = None if sigma_eV_fu is None else round(sigma_eV_fu * KJ_PER_MOL_PER_EV, 1)
    return FormationEnthalpy(formula, round(eV_fu * KJ_PER_MOL_PER_EV, 1), _WANG2021, sigma, alternative)


#: Binaries of the potentials' acceptance table (issue 11) and the hull's anchoring fit (issue 12).
FORMATION_ENTHALPIES: dict[str, FormationEnthalpy] = {f.formula: f for f in (
    _wang("LiCl", -4.2328, 0.0041),
    _wang("NaCl", -4.2628, 0.0041),
    _wang("AlCl3", -7.3130, 0.0176),
    # The MP2020 set lists -1668.1 kJ/mol without an uncertainty; JANAF's corundum value is the standard one.
    FormationEnthalpy("Al2O3", -1675.7, _JANAF, 1.3, (-1668.1, _WANG2021)),
    _wang("Li2O", -6.1968, 0.0104),
    _wang("Na2O", -4.3022, 0.0083, (-418.0, _JANAF)),
    _wang("Li2S", -4.6318, 0.0218),
    _wang("Na2S", -3.7944, 0.1306),
    # Two standard tables disagree by 73 kJ/mol (0.15 eV/atom); see docs/potentials.md.
    _wang("Al2S3", -6.7475, None, (-724.0, _NBS)),
)}

#: Ternary Al compounds with a tabulated enthalpy (used in the hull's anchoring fit, not in the binary table).
TERNARY_ENTHALPIES: dict[str, FormationEnthalpy] = {f.formula: f for f in (
    _wang("LiAlO2", -12.3200, 0.0435),
    _wang("NaAlO2", -11.7447),
    _wang("NaAlCl4", -11.8384),
)}


#: Phases the hull does not build, for estimating what each would do to a window (benchmarks/hull_missing_phases.py).
MISSING_PHASE_ENTHALPIES: dict[str, FormationEnthalpy] = {f.formula: f for f in (
    _wang("Li2O2", -6.5567), _wang("Na2O2", -5.3169, 0.0653), _wang("NaO2", -2.7020, 0.0342), _wang("NaS", -2.0576),
    _wang("Li2SO4", -14.7729), _wang("Na2SO4", -14.3837), _wang("Al2(SO4)3", -35.6666, 0.0218),
    _wang("LiClO4", -3.9461), _wang("NaClO4", -3.9669),
)}


@dataclass(frozen=True)
class CrystalReference:
    """A measured MAlCl4 crystal: volume per formula unit (Angstrom^3) and M-Cl coordination.

    The coordination numbers are counted on the measured coordinates with the same cutoffs the
    acceptance check applies to the relaxed cells (`COORDINATION_CUTOFF_A`).
    """

    formula: str
    space_group: str
    volume_A3_per_fu: float
    m_cl_coordination: float
    al_cl_coordination: float
    source: str


#: Pair cutoffs (Angstrom) between the first and second shells of the measured crystals:
#: Li-Cl 2.45-2.82 then > 4.2, Na-Cl 2.96-3.22 then 3.97, Al-Cl 2.12-2.29 then 3.86.
COORDINATION_CUTOFF_A = {("Li", "Cl"): 3.4, ("Na", "Cl"): 3.6, ("Al", "Cl"): 2.8}

CRYSTALS: dict[str, CrystalReference] = {
    "Li": CrystalReference("LiAlCl4", "P2_1/c", 147.81, 6.0, 4.0,
                           "Mairesse, Barbier & Wignacourt, Cryst. Struct. Commun. 6, 15 (1977); COD 1004036: "
                           "LiCl6 octahedra"),
    "Na": CrystalReference("NaAlCl4", "P2_12_12_1", 168.81, 7.0, 4.0,
                           "Mairesse, Barbier & Wignacourt, Acta Cryst. B 35, 1573 (1979); COD 1004043: "
                           "Na with 7 Cl at 2.96-3.22 A"),
}
