"""Hostile lab files: each either lands on the right candidate or is refused whole with one line.

The corpus is in tests/data/lab (remade by its make_corpus.py); the hypothesis tests generate more.
"""

from __future__ import annotations

import math
import shutil
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.campaign import Campaign
from optimizer.tables import TableError, read_table
from optimizer.tell import TellError
from oracles import Composition

CORPUS = Path(__file__).resolve().parents[1] / "data" / "lab"
LISTED = ["LiAlCl2.5O0.75", "NaAlCl2.5O0.75", "LiAlCl3O0.5", "LiAlCl2O"]
CAMPAIGN = {
    "name": "lab-files", "seed": 0, "store": "lab.sqlite",
    "space": {"M": ["Li", "Na"], "m_al": [0.5, 1.5], "o_al": [0.0, 1.0], "s_al": [0.0, 0.5], "min_cl_al": 0.5},
    "objectives": [{"name": "log10_sigma_30C", "goal": "maximize"}],
    "oracles": [{"kind": "lab", "outputs": {"log10_sigma_30C": "log10(S/cm)", "tg_C": "degC"}}],
    "candidates": LISTED,
    "loop": {"initial": 0, "batch_size": 4, "budget": 6},
    "strategy": "sobol",
}

#: file -> ("ok", {candidate id: {output: value}}) or ("error", regex of the one-line message)
EXPECTED: dict[str, tuple[str, object]] = {
    "decimal_comma.csv": ("error", r"row 2 has 3 fields but the header has 2 .*decimal comma"),
    "semicolon_decimal_comma.csv": ("ok", {1: {"tg_C": -16.8, "log10_sigma_30C": math.log10(1.52e-3)}}),
    "bom_utf8.csv": ("ok", {1: {"tg_C": -16.8}}),
    "latin1.csv": ("ok", {1: {"tg_C": -16.8}}),
    "utf16.csv": ("ok", {1: {"tg_C": -16.8}}),
    "moved_row.csv": ("error", r"NaAlCl2.5O0.75 is not candidate 1's \(LiAlCl2.5O0.75\)"),
    "foreign_metal.csv": ("error", r"M=Na, but the candidate is a Li glass"),
    "mixed_units.csv": ("ok", {1: {"log10_sigma_30C": math.log10(1.5e-3)}}),
    "two_units.csv": ("error", r"both give tg_C"),
    "duplicate_id.csv": ("error", r"rows 2 and 3 both give candidate 1"),
    "failed.csv": ("ok", {}),
    "values_and_failed.csv": ("error", r"gives results and 'failed'"),
    "huge_id.csv": ("error", r"is not a candidate id"),
    "empty.csv": ("error", r"is empty"),
    "no_unit.csv": ("error", r"column 'tg_C' has no unit"),
    "binary.csv": ("error", r"NUL bytes"),
    "merged_id.xlsx": ("error", r"cells A2:A3 are merged"),
    "merged_value.xlsx": ("error", r"cells C2:C3 are merged"),
    "formula_uncached.xlsx": ("error", r"cell C2 holds the formula =B2\*0.01 with no saved value"),
    "good.xlsx": ("ok", {1: {"tg_C": -16.8, "log10_sigma_30C": math.log10(1.52e-3)},
                         2: {"tg_C": -25.5, "log10_sigma_30C": math.log10(1.33e-3)}}),
}


def _campaign(folder: Path) -> Campaign:
    (folder / "campaign.yaml").write_text(yaml.safe_dump(CAMPAIGN, sort_keys=False))
    campaign = Campaign.from_yaml(folder / "campaign.yaml")
    assert [c.composition for c in campaign.ask(4)] == [Composition.from_formula(f) for f in LISTED]
    return campaign


def _state(campaign: Campaign) -> tuple[object, ...]:
    store = campaign.store
    return (tuple(store.results(include_superseded=True)), tuple(store.candidates()), store.failures(),
            store.analysed())


def test_every_corpus_file_is_covered() -> None:
    assert {p.name for p in CORPUS.iterdir() if p.suffix in (".csv", ".xlsx")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(tmp_path: Path, name: str) -> None:
    campaign = _campaign(tmp_path)
    before = _state(campaign)
    kind, expected = EXPECTED[name]
    path = tmp_path / name
    shutil.copy(CORPUS / name, path)
    if kind == "error":
        with pytest.raises(TellError, match=str(expected)) as caught:
            campaign.tell_file(path)
        assert "\n" not in str(caught.value)
        assert _state(campaign) == before  # nothing applied
        return
    campaign.tell_file(path)
    records = {r.id: r for r in campaign.snapshot().records}
    for cid, values in dict(expected).items():  # type: ignore[call-overload]
        for output, value in values.items():
            assert records[cid].values[output].value == pytest.approx(value), (cid, output)
    if name == "mixed_units.csv":  # std 0.3 mS/cm of 1.5 mS/cm: 0.2 relative, 0.0869 in log10
        assert records[1].values["log10_sigma_30C"].std == pytest.approx(0.2 / math.log(10))
    if name == "failed.csv":
        assert records[3].state == "failed" and "no glass formed" in (records[3].failure or "")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.integers(1, 4), whole=st.integers(1, 4), fraction=st.integers(0, 99))
def test_a_decimal_comma_never_lands_on_another_candidate(tmp_path_factory: pytest.TempPathFactory, target: int,
                                                          whole: int, fraction: int) -> None:
    """"candidate T: Tg = W,F" in a comma file is refused, whatever W (even a valid id) and F are."""
    folder = tmp_path_factory.mktemp("comma")
    campaign = _campaign(folder)
    path = folder / "r.csv"
    path.write_text(f"id,tg_C [degC]\n{target},{-whole},{fraction}\n")
    with pytest.raises(TellError, match="decimal comma"):
        campaign.tell_file(path)
    assert campaign.store.results() == []
    campaign.close()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_reading_arbitrary_bytes_gives_rows_or_one_line(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.csv"
        path.write_bytes(data)
        try:
            table = read_table(path)
        except TableError as err:
            assert "\n" not in str(err)
            return
        assert all(len(row) == len(table.headers) for row in table.rows)


CELL = st.text(alphabet=string.ascii_letters + string.digits + ",;.\t-+ eE\"'°µ", max_size=8)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=1, max_size=4), min_size=1, max_size=4),
       header=st.sampled_from(["id,tg_C [degC]", "id;tg_C [degC]", "id,formula,tg_C [degC]", "formula,tg_C [K]"]))
def test_hostile_tables_never_half_apply(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]],
                                         header: str) -> None:
    """Whatever a file holds: it applies whole (each value on the id it names) or nothing at all."""
    folder = tmp_path_factory.mktemp("hostile")
    campaign = _campaign(folder)
    before = _state(campaign)
    sep = ";" if ";" in header else ","
    path = folder / "r.csv"
    path.write_text(header + "\n" + "\n".join(sep.join(r) for r in rows) + "\n", encoding="utf-8")
    try:
        campaign.tell_file(path)
    except (TellError, KeyError) as err:
        assert "\n" not in str(err)
        assert _state(campaign) == before
    campaign.close()
