"""The runtime profile: machine settings for a run, never part of the campaign file.

A campaign file says *what* to evaluate; a profile says *where* (executor, workers, scheduler),
with *how much* hardware (threads, device) and how patiently (timeout, retries). The same campaign
therefore runs unchanged on a laptop, a workstation and an HPC allocation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .. import yamlfile
from ..config import ConfigError
from ..oracle_factory import Runtime

ExecutorName = Literal["serial", "local", "dask"]


class JobqueueConfig(BaseModel):
    """A dask-jobqueue cluster the run starts itself (HPC): batch jobs that each host Dask workers."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    system: Literal["slurm", "pbs", "sge", "lsf"] = Field(description="batch system of the allocation")
    jobs: int = Field(1, ge=1, description="batch jobs to submit; workers = jobs x options.processes")
    options: dict[str, Any] = Field(default_factory=dict,
                                    description="keywords of dask_jobqueue.<System>Cluster (cores, memory, ...)")


class RuntimeProfile(BaseModel):
    """Where and how a run evaluates; from a profile YAML file and/or the command line."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    executor: ExecutorName = Field("serial", description="serial (in-process), local (LocalCluster), dask")
    workers: int | None = Field(None, ge=1, description="local: worker processes (default: the number of cores)")
    scheduler: str | None = Field(None, description="dask: scheduler address, e.g. tcp://host:8786")
    jobqueue: JobqueueConfig | None = Field(None, description="dask: start an HPC cluster instead of an address")
    threads_per_worker: int | None = Field(None, ge=1, description="torch threads per evaluation process")
    device: str = Field("cpu", description="torch device for ML potentials")
    timeout_s: float | None = Field(None, gt=0, description="seconds one evaluation attempt may take")
    retries: int = Field(2, ge=0, description="extra attempts after a lost worker, an exception or a timeout")

    @model_validator(mode="after")
    def _consistent(self) -> RuntimeProfile:
        if self.executor == "dask" and (self.scheduler is None) == (self.jobqueue is None):
            raise ValueError("executor dask needs exactly one of scheduler (an address) or jobqueue (an HPC cluster)")
        if self.executor != "dask" and (self.scheduler is not None or self.jobqueue is not None):
            raise ValueError(f"scheduler/jobqueue are for executor dask, not {self.executor}")
        if self.executor != "local" and self.workers is not None:
            raise ValueError(f"workers is for executor local (HPC clusters: jobqueue.jobs), not {self.executor}")
        return self

    def with_overrides(self, **changes: Any) -> RuntimeProfile:
        """A copy with the given (non-None) settings replaced, validated again (command line over file)."""
        given = {k: v for k, v in changes.items() if v is not None}
        data = self.model_dump(exclude_none=True)
        if given.get("executor", self.executor) != self.executor or "scheduler" in given:
            # switching executor on the command line drops the file's settings of the other executor
            for key in ("workers", "scheduler", "jobqueue"):
                data.pop(key, None)
        data.update(given)
        try:
            return RuntimeProfile.model_validate(data)
        except ValidationError as err:
            raise ConfigError(f"runtime settings: {_message(err)}") from None

    def n_workers(self) -> int:
        """Worker processes a local cluster starts."""
        return self.workers or os.cpu_count() or 1

    def worker_threads(self, n_workers: int | None = None) -> int | None:
        """Torch threads per worker: as given, else for a local cluster cores // workers (no oversubscription).

        None elsewhere: serial keeps the oracles' default, and a remote worker uses its own Dask thread
        count, which dask-jobqueue sets from ``cores / processes`` of its job.
        """
        if self.threads_per_worker is not None or self.executor != "local":
            return self.threads_per_worker  # serial keeps the oracles' own default, as before executors
        return max(1, (os.cpu_count() or 1) // (n_workers or self.n_workers()))

    def runtime(self) -> Runtime:
        """The machine settings the oracles are built with."""
        return Runtime(device=self.device, threads=self.worker_threads())


def _message(err: ValidationError) -> str:
    first = err.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    text = f"unknown key {first['loc'][-1]!r}" if first["type"] == "extra_forbidden" else first["msg"]
    return f"{key}: {text.removeprefix('Value error, ')}"


def load_profile(path: Path | str) -> RuntimeProfile:
    """Read a runtime profile YAML file; unknown keys and bad values are errors naming file, line and key."""
    path = Path(path)
    try:
        data, lines = yamlfile.load(yamlfile.read_text(path, "runtime profile"), str(path))
    except yamlfile.YamlError as err:
        raise ConfigError(str(err)) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a runtime profile must be a YAML mapping of keys to values")
    try:
        return RuntimeProfile.model_validate(data)
    except ValidationError as err:
        loc = tuple(err.errors()[0]["loc"])
        raise ConfigError(f"{yamlfile.where(str(path), lines, loc)}: {_message(err)}") from None
