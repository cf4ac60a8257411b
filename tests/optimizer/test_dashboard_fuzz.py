"""Hostile requests (hypothesis): whatever the ids, bodies and headers, the dashboard answers 4xx with one line,
never 5xx, and stores nothing.

Every example is invalid by construction: an id that is not a pending candidate, a body no entry check accepts,
or a request the guard refuses (token, campaign, Host, Origin).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimizer.dashboard.security import Refused
from tests.optimizer.test_dashboard import GOOD, Site, api_headers, guard_fields, make_site, stored

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
OUTPUTS = ("log10_sigma_30C", "tg_C", "oxidation_V")
ACTIONS = ("results", "failure", "withdraw")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return make_site(tmp_path_factory.mktemp("fuzz"))


def _plausible(text: str) -> bool:
    """Could this text be a value some output accepts? (Then it is not hostile enough for "nothing stored".)"""
    try:
        value = float(text)
    except ValueError:
        return False
    return math.isfinite(value) and -273.15 <= value <= 3000.0


json_values = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                       max_size=4), max_leaves=20)
not_a_number = json_values.filter(lambda v: isinstance(v, bool) or not isinstance(v, (int, float))
                                  or not math.isfinite(v) or not -273.15 <= v <= 3000.0)
#: Whitespace only, or over 500 characters once whitespace is collapsed (what `Campaign.fail` refuses).
long_words = st.text(alphabet=st.characters(blacklist_categories=("Zs", "Zl", "Zp", "Cc", "Cs")), min_size=501,
                     max_size=600)
bad_reason = st.one_of(st.text(alphabet=" \t\n\r", max_size=10), long_words,
                       json_values.filter(lambda v: not isinstance(v, str)))
bad_values = st.one_of(json_values.filter(lambda v: not isinstance(v, dict)),
                       st.dictionaries(st.sampled_from(OUTPUTS), not_a_number, min_size=1),
                       st.dictionaries(st.text(max_size=30).filter(lambda k: k not in OUTPUTS), json_values,
                                       max_size=3))
hostile_bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
    st.integers(min_value=100, max_value=20_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(min_value=100, max_value=10_000).map(lambda n: b'{"values": ' * n + b"1" + b"}" * n),
    bad_values.map(lambda v: json.dumps({"values": v}).encode()),
    bad_reason.map(lambda r: json.dumps({"reason": r}).encode()),
)
odd_ids = st.one_of(st.integers(min_value=-(10**30), max_value=10**30).map(str), st.text(max_size=30),
                    st.sampled_from(["0", "999", "9" * 40, "1e3", "0x10", " 1", "1 ", "+1", "٣"]))


def _check(site: Site, response: Any, before: tuple[Any, ...]) -> None:
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and len(text) < 20_000
    assert stored(site.path) == before


def _path(cid: str, action: str, api: bool) -> str:
    from urllib.parse import quote

    return f"{'/api' if api else ''}/candidates/{quote(cid, safe='')}/{action}"


@SETTINGS
@given(cid=odd_ids, body=hostile_bodies | st.just(json.dumps({"values": {"tg_C": -20.0}}).encode()),
       action=st.sampled_from(ACTIONS))
def test_api_with_odd_ids(site: Site, cid: str, body: bytes, action: str) -> None:
    if cid.strip() in {str(i) for i in site.pending}:
        cid = "x" + cid
    before = stored(site.path)
    headers = {**api_headers(site.client), "Content-Type": "application/json"}
    _check(site, site.client.post(_path(cid, action, True), data=body, headers=headers), before)


@SETTINGS
@given(body=hostile_bodies, action=st.sampled_from(ACTIONS), which=st.integers(0, 1))
def test_api_with_hostile_bodies(site: Site, body: bytes, action: str, which: int) -> None:
    before = stored(site.path)
    headers = {**api_headers(site.client), "Content-Type": "application/json"}
    _check(site, site.client.post(_path(str(site.pending[which]), action, True), data=body, headers=headers), before)


@SETTINGS
@given(values=st.dictionaries(st.sampled_from([f"{p}-{o}" for p in ("value", "std") for o in OUTPUTS]),
                              st.text(max_size=30).filter(lambda t: t.strip() and not _plausible(t)), min_size=1),
       reason=st.one_of(st.text(alphabet=" \t\n", max_size=5), long_words),
       action=st.sampled_from(ACTIONS))
def test_forms_with_hostile_fields(site: Site, values: dict[str, str], reason: str, action: str) -> None:
    if action == "results" and not any(k.startswith("value-") for k in values):
        values = {**values, "value-tg_C": "warm"}
    before = stored(site.path)
    data = {**values, "reason": reason, **guard_fields(site.client)}
    _check(site, site.client.post(_path(str(site.pending[0]), action, False), data=data), before)


@SETTINGS
@given(broken=st.sampled_from(["token", "campaign", "host", "origin"]), value=st.text(max_size=40),
       api=st.booleans(), action=st.sampled_from(ACTIONS))
def test_valid_entries_with_a_broken_guard(site: Site, broken: str, value: str, api: bool, action: str) -> None:
    """A valid entry for a real pending candidate, refused because one of the guard's conditions fails."""
    fields = guard_fields(site.client)
    headers: dict[str, str] = {}
    if broken == "token":
        assume(value != fields["csrf_token"])
        fields["csrf_token"] = value
    elif broken == "campaign":
        assume(value not in (fields["campaign_id"], fields["campaign"]))
        fields["campaign_id"] = value
        headers["X-Viglas-Campaign"] = value
    elif broken == "host":
        assume(not _accepted_host(site, value))
        headers["Host"] = value
    else:
        assume(value.lower() != "http://localhost")
        headers["Origin"] = value
    if api:
        headers["X-CSRF-Token"] = fields["csrf_token"]
    else:
        headers.pop("X-Viglas-Campaign", None)
    assume(all(_header_safe(v) for v in headers.values()))
    before = stored(site.path)
    entry = {"values": {"tg_C": -20.0}} if action == "results" else {"reason": "no glass formed"}
    path = _path(str(site.pending[0]), action, api)
    if api:
        response = site.client.post(path, json=entry, headers=headers)
    else:
        data = {**GOOD, **fields} if action == "results" else {"reason": "no glass formed", **fields}
        response = site.client.post(path, data=data, headers=headers)
    _check(site, response, before)


def _header_safe(value: str) -> bool:
    """Header values the test client can send (no line breaks, Latin-1)."""
    return "\n" not in value and "\r" not in value and all(ord(ch) < 256 for ch in value)


def _accepted_host(site: Site, value: str) -> bool:
    try:
        site.app.extensions["viglas"].guard.check_host(value)
    except Refused:
        return False
    return True


def test_hostile_examples_left_the_store_as_it_was(site: Site) -> None:
    """After every example above, the campaign's pending candidates are still pending with no values."""
    snapshot = stored(site.path)
    states = {cid: state for cid, state, *_ in snapshot}
    assert all(states[i] == "pending" for i in site.pending)
