"""Typed errors of the surrogate layer."""

from __future__ import annotations


class SurrogateFitError(RuntimeError):
    """A GP whose hyperparameters could not be fitted, even after `fit_gpytorch_mll`'s retries.

    Attributes:
        outputs: names of the outputs the failed model was fitted to.
    """

    def __init__(self, outputs: tuple[str, ...] | list[str], cause: BaseException | str) -> None:
        self.outputs = tuple(outputs)
        super().__init__(f"GP fit failed for output(s) {', '.join(self.outputs)}: {cause}")
