from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.campaign import Campaign
from optimizer.config import ConfigError, load_config, parse_config
from tests.campaign_helpers import BASE, write_campaign

CAMPAIGNS = sorted((Path(__file__).resolve().parents[2] / "campaigns").glob("*.yaml"))


@pytest.mark.parametrize("path", CAMPAIGNS, ids=lambda p: p.name)
def test_every_shipped_campaign_validates(path: Path) -> None:
    Campaign.from_yaml(path).validate()


def test_design_example_is_accepted(tmp_path: Path) -> None:
    config = load_config(write_campaign(tmp_path))
    assert config.problem().outputs == ("log10_sigma_30C", "tg_C", "oxidation_V")


DOC = """name: x
store: x.sqlite
space:
  M: [Li]
  m_al: [0.5, 1.5]
  o_al: [0.0, 1.0]
objectives:
  - {name: tg_C, goal: minimize}
oracles:
  - {kind: python, target: "benchmarks.landscapes:SyntheticGlass"}
strategy: sobol
"""


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("space:\n", "space:\n  colour: red\n"), r"x.yaml:4: space.colour: unknown key 'colour'"),
        (("name: x\n", "name: x\nfoo: 1\n"), r"x.yaml:2: foo: unknown key 'foo'"),
        (("m_al: [0.5, 1.5]", "m_al: [1.5, 0.5]"), r"x.yaml:5: space.m_al: .*inverted"),
        (("m_al: [0.5, 1.5]", "m_al: [0.5]"), r"x.yaml:5: space.m_al"),
        (("o_al: [0.0, 1.0]\n", "o_al: [0.0, 1.0]\n  min_cl_al: 9\n"), r"x.yaml:3: space: no composition"),
        (("goal: minimize", "goal: lowest"), r"x.yaml:8: objectives\[0\].goal"),
        (("oracles:", "constraints: ['tg_C < 3']\noracles:"), r"x.yaml:9: constraints\[0\]: .*NAME >= NUMBER"),
        (("oracles:", "loop: {budget: 0}\noracles:"), r"x.yaml:9: loop.budget: .*greater than or equal to 1"),
        (("oracles:", "loop: {batch_size: -2}\noracles:"), r"loop.batch_size"),
        (("strategy: sobol", "strategy: magic"), r"x.yaml:11: strategy: 'magic' is not one of"),
        (("name: x", "name: [x"), r"x.yaml:\d+: not valid YAML"),
    ],
)
def test_bad_files_are_rejected_with_line_and_key(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(DOC.replace(*edit))
    with pytest.raises(ConfigError, match=message):
        Campaign.from_yaml(path).validate()


def test_output_no_oracle_provides_names_the_objective_line(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(DOC.replace("name: tg_C", "name: density"))
    with pytest.raises(ConfigError, match=r"x.yaml:8: objectives\[0\]: output 'density' is provided by no oracle"):
        Campaign.from_yaml(path).validate()


def test_unknown_oracle_option_is_named(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(DOC.replace('SyntheticGlass"}', 'SyntheticGlass", options: {nosie: 1}}'))
    with pytest.raises(ConfigError, match=r"x.yaml:10: oracles\[0\] \(python\): unknown option 'nosie'"):
        Campaign.from_yaml(path).validate()


def test_machine_settings_are_refused_in_the_campaign(tmp_path: Path) -> None:
    path = write_campaign(tmp_path, oracles=[{"kind": "python", "target": "benchmarks.landscapes:SyntheticGlass",
                                              "options": {"device": "cuda"}}])
    with pytest.raises(ConfigError, match="machine setting"):
        Campaign.from_yaml(path).validate()
    compiled = write_campaign(tmp_path, oracles=[{"kind": "mlmd", "preset": "quick", "compile_potential": False}])
    with pytest.raises(ConfigError, match="'compile_potential' is a machine setting"):
        Campaign.from_yaml(compiled).validate()


def test_yaml_runs_no_code(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(DOC.replace("name: x", "name: !!python/object/apply:os.system ['echo hacked']"))
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_hash_ignores_layout_but_not_meaning() -> None:
    a = parse_config(DOC)
    assert parse_config("# comment\n" + DOC).hash() == a.hash()
    assert parse_config(DOC.replace("1.5]", "1.4]")).hash() != a.hash()
    assert BASE["strategy"] == "sobol"
