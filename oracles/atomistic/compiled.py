"""A SevenNet model under `torch.compile`: the same forces (to float32 round-off) for less CPU time.

On this machine's CPU, one thread, the 63-atom LACO75 glass: one `7net-mf-0` force call takes about
0.44 CPU s eager and 0.25 compiled (`benchmarks/results/compiled-potential.md`). Compiling costs
20-100 CPU s once per process (inductor caches the kernels on disk, so later processes pay the low
end), which only runs of thousands of steps repay: `MLMDOracle` compiles for those alone.

Compilation happens at the first call and may fail where inductor cannot build kernels (no C++
compiler, an operation it does not support): the model then falls back, with one warning, to the
eager model it wraps, and the call is repeated on an untouched copy of the input graph.

Compiled kernels run only on one torch thread. With two, the kernels inductor builds for this model
(torch 2.13.0, CPU) aborted the process ("double free or corruption") on the first call, a crash no
fallback can catch; a call made with more threads therefore goes to the eager model. The oracle's
processes run one thread each, which is also where the eager model is slowest.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger(__name__)


class CompiledModel:
    """Calls ``model`` through `torch.compile` (dynamic shapes: the edge count changes every step);
    every other attribute is the wrapped model's, so a calculator holding it sees its model."""

    def __init__(self, model: Any, label: str) -> None:
        import torch

        self.eager = model
        self.label = label
        self._compiled: Any = torch.compile(model, dynamic=True)

    @property
    def compiled(self) -> bool:
        """Whether calls still go through the compiled model (False after a fallback)."""
        return self._compiled is not None

    def __call__(self, data: Any) -> Any:
        import torch

        if self._compiled is not None and torch.get_num_threads() == 1:
            untouched = data.clone()  # the model writes into its input graph
            try:
                with _quiet_compiler():
                    return self._compiled(data)
            except Exception as err:  # inductor raises many kinds; any of them means: run eager
                logger.warning("torch.compile of %s failed (%s: %s); running it uncompiled", self.label,
                               type(err).__name__, str(err).splitlines()[0] if str(err) else "")
                self._compiled = None
                data = untouched
        return self.eager(data)

    def __getattr__(self, name: str) -> Any:
        if name == "eager":  # not set yet (during unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.eager, name)


@contextlib.contextmanager
def _quiet_compiler() -> Iterator[None]:
    """Dynamo's own warnings (graph breaks at SevenNet's data-dependent branches, recompile limits:
    120 lines per process) off for the block, then as they were."""
    dynamo = logging.getLogger("torch._dynamo")
    before = dynamo.level
    dynamo.setLevel(logging.ERROR)
    try:
        yield
    finally:
        dynamo.setLevel(before)
