"""Fixtures of the ML-MD resume tests (real MD and kinisi on the spring potential of `spring_md`)."""

from __future__ import annotations

import pytest

from oracles.mlmd import production
from oracles.mlmd.glass import GlassCell, make_glass_cell

from .spring_md import LI_GLASS, PRESET, Spring


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production saved every 10 steps, so that short runs are cut into several chunks."""
    monkeypatch.setattr(production, "CHUNK_STEPS", 10)


@pytest.fixture(scope="module")
def glass(tmp_path_factory: pytest.TempPathFactory) -> GlassCell:
    """A LACO75 glass cell made on the spring potential with `spring_md.PRESET`."""
    return make_glass_cell(LI_GLASS, calculator=Spring(None), preset=PRESET, seed=0,
                           workdir=tmp_path_factory.mktemp("glass"), preset_name="smoke")
