"""Campaign files for tests, written into a temporary folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

BASE: dict[str, Any] = {
    "name": "t",
    "seed": 0,
    "store": "t.sqlite",
    "space": {"M": ["Li", "Na"], "m_al": [0.5, 1.5], "o_al": [0.0, 1.0], "s_al": [0.0, 0.5], "min_cl_al": 0.5},
    "objectives": [{"name": "log10_sigma_30C", "goal": "maximize"}, {"name": "tg_C", "goal": "minimize"}],
    "constraints": ["oxidation_V >= 3.8"],
    "oracles": [{"kind": "python", "target": "benchmarks.landscapes:SyntheticGlass", "options": {"noise": 0.02}}],
    "loop": {"initial": 4, "batch_size": 2, "budget": 8},
    "strategy": "sobol",
}


def write_campaign(folder: Path, name: str = "campaign.yaml", **changes: Any) -> Path:
    config = {**BASE, **changes}
    path = folder / name
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


SLOW_ORACLE = '''
import time
from benchmarks.landscapes import SyntheticGlass

class SlowGlass(SyntheticGlass):
    name = "slow-glass"

    def __init__(self, *, delay_s: float = 0.2) -> None:
        super().__init__()
        self.delay_s = delay_s

    def evaluate(self, batch, /):
        time.sleep(self.delay_s * len(batch))
        return super().evaluate(batch)


class Gated(SlowGlass):
    """Waits, inside every evaluation, until the file ``gate`` exists: a test holds a run mid-batch with it."""

    name = "gated-glass"

    def __init__(self, *, delay_s: float = 0.0, gate: str = "") -> None:
        super().__init__(delay_s=delay_s)
        self.gate = gate

    def evaluate(self, batch, /):
        import pathlib

        deadline = time.monotonic() + 120
        while not pathlib.Path(self.gate).exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return super().evaluate(batch)
'''
