"""ML-MD oracle: conductivity (log10 S/cm at 30 degC), activation energy (eV) and Tg (degC) of a glass.

Also the annealed glass cells themselves (`make_glass_cells`), for other oracles. Importing this
package does not import torch, ASE dynamics or kinisi; they load on first use.
"""

from .glass import GlassCell, make_glass_cells
from .oracle import ALL_OUTPUTS, MLMDOracle
from .presets import PRESETS, MDPreset

__all__ = ["ALL_OUTPUTS", "PRESETS", "GlassCell", "MDPreset", "MLMDOracle", "make_glass_cells"]
