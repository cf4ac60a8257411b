"""Runtime profiles, the worker-side task, the CLI options, and the loop's retries on an in-process cluster."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest

from optimizer.campaign import Campaign
from optimizer.cli import build_parser
from optimizer.config import ConfigError, load_config
from optimizer.executors import RuntimeProfile, SerialExecutor, load_profile, make_executor
from optimizer.executors.async_loop import LoopSettings, run_async
from optimizer.executors.tasks import evaluate_task, oracle_specs
from optimizer.oracle_factory import Runtime
from optimizer.steps import CampaignRun
from oracles import Composition, Evaluation, Failure
from tests.campaign_helpers import write_campaign

ROOT = Path(__file__).resolve().parents[2]
PROFILES = sorted((ROOT / "campaigns" / "runtime").glob("*.yaml"))


# --- runtime profiles --------------------------------------------------------------------------
@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.name)
def test_example_profiles_load(path: Path) -> None:
    profile = load_profile(path)
    assert profile.executor in ("local", "dask")


def test_profile_unknown_key_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("executor: local\nworkers: 2\nthreads: 4\n")
    with pytest.raises(ConfigError, match=r"p\.yaml:3: threads: unknown key 'threads'"):
        load_profile(path)


@pytest.mark.parametrize("text, message", [
    ("executor: dask\n", "exactly one of scheduler"),
    ("executor: serial\nscheduler: tcp://h:1\n", "for executor dask"),
    ("executor: serial\nworkers: 2\n", "workers is for executor local"),
    ("executor: threads\n", "executor"),
    ("retries: -1\n", "retries"),
])
def test_profile_rejects_inconsistent_settings(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_profile(path)


def test_command_line_overrides_profile_and_switching_executor_drops_its_settings() -> None:
    profile = RuntimeProfile(executor="dask", scheduler="tcp://h:8786", timeout_s=60)
    local = profile.with_overrides(executor="local", workers=3, timeout_s=None)
    assert (local.executor, local.workers, local.scheduler, local.timeout_s) == ("local", 3, None, 60)
    with pytest.raises(ConfigError, match="workers"):
        profile.with_overrides(workers=0)


def test_local_threads_do_not_oversubscribe_the_cores() -> None:
    cores = os.cpu_count() or 1
    for workers in (1, 2, 4, 64):
        threads = RuntimeProfile(executor="local", workers=workers).worker_threads()
        assert threads == max(1, cores // workers)
        assert threads is not None and (workers * threads <= cores or threads == 1)
    assert RuntimeProfile(executor="local", workers=2, threads_per_worker=3).worker_threads() == 3
    assert RuntimeProfile().runtime() == Runtime()  # serial keeps the oracles' own default, as before


def test_make_executor_picks_serial_or_dask() -> None:
    assert isinstance(make_executor(RuntimeProfile()), SerialExecutor)
    dask = make_executor(RuntimeProfile(executor="local", workers=2))
    assert dask.name == "local"


def test_cli_run_accepts_the_executor_options() -> None:
    args = build_parser().parse_args(["run", "c.yaml", "--executor", "local", "--workers", "2", "--timeout-s",
                                      "30", "--retries", "1", "--threads-per-worker", "2", "--profile", "p.yaml"])
    assert (args.executor, args.workers, args.timeout_s, args.retries, args.threads, args.profile) == \
        ("local", 2, 30.0, 1, 2, "p.yaml")


def test_slurm_profile_makes_a_job_script() -> None:
    pytest.importorskip("dask_jobqueue")
    from optimizer.executors.dask_executor import start_jobqueue_cluster

    profile = load_profile(ROOT / "campaigns" / "runtime" / "slurm.yaml")
    assert profile.jobqueue is not None
    config = profile.jobqueue.model_copy(update={"jobs": 1})
    cluster = start_jobqueue_cluster(config.model_copy(update={"options": {**config.options}}))
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH --cpus-per-task=16" in script and "--resources evaluation=1" in script
    assert "source ~/venvs/viglas/bin/activate" in script


# --- the worker-side task ----------------------------------------------------------------------
COUNTED = '''
from benchmarks.landscapes import SyntheticGlass

BUILT = []

class Counted(SyntheticGlass):
    def __init__(self) -> None:
        super().__init__()
        BUILT.append(self)
'''


def test_task_rebuilds_the_oracle_once_and_answers_plain_results(tmp_path: Path) -> None:
    (tmp_path / "counted_oracle.py").write_text(COUNTED)
    config = load_config(write_campaign(tmp_path, oracles=[{"kind": "python", "target": "counted_oracle:Counted"}]))
    [spec] = oracle_specs(config.oracles, name=config.name, base_dir=tmp_path, runtime=Runtime(threads=1))
    good = evaluate_task(spec, Composition("Li", 1.0, 0.75, 0.0))
    bad = evaluate_task(spec, Composition("Li", 1.0, 0.1, 0.0))  # below the glass-forming limit
    assert isinstance(good, Evaluation) and isinstance(bad, Failure)
    import counted_oracle  # type: ignore[import-not-found]  # the module the task imported, from sys.modules

    assert len(counted_oracle.BUILT) == 1  # built for the first task, reused for the second


# --- the loop's retries, on an in-process cluster (threads, no worker processes) ---------------
FLAKY = '''
from benchmarks.landscapes import SyntheticGlass

class NeedsGPU(SyntheticGlass):
    """Builds in the loop process but not on a worker: an infrastructure error there, not a Failure."""

    def __init__(self) -> None:
        super().__init__()
        try:
            from distributed import get_worker
            get_worker()
        except ValueError:
            return  # not on a worker
        raise RuntimeError("the node has no GPU")
'''


@pytest.fixture(scope="module")
def thread_client() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as c, \
            distributed.Client(c) as client:
        yield client


def test_infrastructure_errors_are_retried_then_recorded_with_the_reason(tmp_path: Path, thread_client: Any) -> None:
    (tmp_path / "flaky_gpu.py").write_text(FLAKY)
    path = write_campaign(tmp_path, oracles=[{"kind": "python", "target": "flaky_gpu:NeedsGPU"}],
                          loop={"initial": 2, "batch_size": 2, "budget": 2})
    campaign = Campaign.from_yaml(path)
    specs = oracle_specs(campaign.config.oracles, name="t", base_dir=tmp_path, runtime=Runtime(threads=1))
    run = CampaignRun(campaign, 2)
    run_async(run, thread_client, specs=specs, settings=LoopSettings(retries=1))
    assert (run.stats.evaluated, run.stats.failed, run.stats.retried) == (2, 2, 2)
    reasons = [r for rows in campaign.store.failures().values() for _, r in rows]
    assert reasons == ["RuntimeError: the node has no GPU (attempt 2 of 2)"] * 2


def test_an_oracle_calling_sys_exit_fails_its_candidate_instead_of_hanging(tmp_path: Path) -> None:
    (tmp_path / "exits.py").write_text(
        "from benchmarks.landscapes import SyntheticGlass\n\n"
        "class Exits(SyntheticGlass):\n"
        "    def evaluate(self, batch, /):\n"
        "        raise SystemExit(3)\n")
    config = load_config(write_campaign(tmp_path, oracles=[{"kind": "python", "target": "exits:Exits"}]))
    [spec] = oracle_specs(config.oracles, name="t", base_dir=tmp_path, runtime=Runtime())
    result = evaluate_task(spec, Composition("Li", 1.0, 0.75, 0.0))
    assert isinstance(result, Failure) and "raised SystemExit: 3" in result.reason


def test_budget_is_exact_and_a_rerun_proposes_nothing(tmp_path: Path, thread_client: Any) -> None:
    campaign = Campaign.from_yaml(write_campaign(tmp_path, loop={"initial": 3, "batch_size": 2, "budget": 5}))
    specs = oracle_specs(campaign.config.oracles, name="t", base_dir=tmp_path, runtime=Runtime(threads=1))
    first, second = CampaignRun(campaign, 5), CampaignRun(campaign, 5)
    run_async(first, thread_client, specs=specs)
    run_async(second, thread_client, specs=specs)
    assert (first.stats.evaluated, second.stats.evaluated) == (5, 0)
    assert campaign.n_proposed() == 5 and not campaign.pending()
