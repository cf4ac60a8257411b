"""The hull oracle: energy above the convex hull and electrochemical window from pymatgen phase diagrams.

``from oracles.hull import HullOracle``; see ``docs/hull.md``. Importing this package loads
neither torch nor the ML potential.
"""

from .oracle import OUTPUTS, HullOracle

__all__ = ["OUTPUTS", "HullOracle"]
