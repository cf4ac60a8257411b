"""Every safety rule of the dashboard (issue 14, item 8): CSRF token, campaign identity, Host and Origin, body
size, malformed requests as one-line 4xx, protective headers. Each refused write leaves the store unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.dashboard import create_app
from optimizer.dashboard.security import Guard, Identity, is_loopback, split_host
from tests.optimizer.test_dashboard import GOOD, Site, api_headers, guard_fields, make_site, stored


@pytest.fixture()
def site(tmp_path: Path) -> Site:
    return make_site(tmp_path)


def _one_line(text: str) -> bool:
    return "\n" not in text.strip() and 0 < len(text) < 400


def test_form_without_or_with_a_wrong_token_is_refused(site: Site) -> None:
    client, cid = site.client, site.pending[0]
    before = stored(site.path)
    fields = guard_fields(client)
    bare = client.post(f"/candidates/{cid}/results", data=GOOD)  # what a page of another site can send
    assert bare.status_code == 403 and "security token" in bare.get_data(as_text=True)
    forged = client.post(f"/candidates/{cid}/withdraw", data={"reason": "x", **fields, "csrf_token": "0" * 32})
    assert forged.status_code == 403 and "out of date" in forged.get_data(as_text=True)
    assert client.post(f"/candidates/{cid}/failure", data={"reason": "x", "csrf_token": fields["csrf_token"]}
                       ).status_code == 403  # no campaign identity
    assert stored(site.path) == before


def test_page_from_before_a_restart_is_refused_but_keeps_what_was_typed(site: Site) -> None:
    old_fields = guard_fields(site.client)
    restarted = create_app(site.path).test_client()  # same campaign, new server, new secret
    cid = site.pending[0]
    before = stored(site.path)
    response = restarted.post(f"/candidates/{cid}/results", data={**GOOD, **old_fields})
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and "was restarted" in page and 'value="-3.1"' in page
    assert stored(site.path) == before
    fresh = guard_fields(restarted)  # the re-shown page carries the new token: sending again works
    assert f'value="{fresh["csrf_token"]}"' in page
    assert restarted.post(f"/candidates/{cid}/results", data={**GOOD, **fresh}).status_code == 303


def test_form_for_another_campaign_is_refused_by_name(tmp_path: Path) -> None:
    """Issue 14: a form left open from campaign A wrote into campaign B after `serve` restarted on B."""
    a = make_site(tmp_path / "a", name="alpha")
    b = make_site(tmp_path / "b", name="beta")
    a_fields = guard_fields(a.client)
    before = stored(b.path)
    for fields in (a_fields, {**guard_fields(b.client), "campaign_id": a_fields["campaign_id"], "campaign": "alpha"}):
        response = b.client.post(f"/candidates/{b.pending[0]}/results", data={**GOOD, **fields})
        text = response.get_data(as_text=True)
        assert response.status_code == 409 and "drawn for campaign &#39;alpha&#39;" in text and "-3.1" not in text
        assert "now serves campaign &#39;beta&#39;" in text
    assert stored(b.path) == before


def test_api_wants_json_and_the_token_header(site: Site) -> None:
    client, cid = site.client, site.pending[0]
    before = stored(site.path)
    body = {"values": {"tg_C": -20.0}}
    missing = client.post(f"/api/candidates/{cid}/results", json=body)
    assert missing.status_code == 403 and "X-CSRF-Token" in missing.get_json()["error"]
    headers = api_headers(client)
    form = client.post(f"/api/candidates/{cid}/results", data={"values": "x"}, headers=headers)
    assert form.status_code == 415 and "application/json" in form.get_json()["error"]
    other = client.post(f"/api/candidates/{cid}/results", json=body, headers={**headers, "X-Viglas-Campaign": "beta"})
    assert other.status_code == 409 and "serves campaign 't'" in other.get_json()["error"]
    wrong = client.post(f"/api/candidates/{cid}/withdraw", json={"reason": "x"}, headers={"X-CSRF-Token": "é" * 32})
    assert wrong.status_code == 403
    assert stored(site.path) == before
    named = client.post(f"/api/candidates/{cid}/results", json=body, headers={**headers, "X-Viglas-Campaign": "t"})
    assert named.status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.nip.io", "[::2]", "a:b:c", " "])
def test_foreign_host_is_refused_for_reads_and_writes(site: Site, host: str) -> None:
    """DNS rebinding: a page of evil.example whose name now points to 127.0.0.1 names its own Host."""
    client, cid = site.client, site.pending[0]
    before = stored(site.path)
    page = client.get("/api/candidates", headers={"Host": host})
    assert page.status_code == 400 and _one_line(page.get_json()["error"])
    write = client.post(f"/api/candidates/{cid}/results", json={"values": {"tg_C": -20.0}},
                        headers={**api_headers(client), "Host": host})
    assert write.status_code == 400
    assert stored(site.path) == before


def test_host_names_and_port_that_are_accepted(site: Site) -> None:
    for host in ("localhost", "127.0.0.1", "[::1]", "LOCALHOST", "localhost."):
        assert site.client.get("/api/version", headers={"Host": host}).status_code == 200
    bound = create_app(site.path, port=8765).test_client()
    assert bound.get("/api/version", headers={"Host": "localhost:8765"}).status_code == 200
    assert bound.get("/api/version", headers={"Host": "[::1]:8765"}).status_code == 200
    assert bound.get("/api/version", headers={"Host": "localhost:8766"}).status_code == 400
    extra = create_app(site.path, host="0.0.0.0", port=8765, allow_hosts=["lab-pc.local"]).test_client()
    assert extra.get("/api/version", headers={"Host": "lab-pc.local:8765"}).status_code == 200
    assert extra.get("/api/version", headers={"Host": "evil.example:8765"}).status_code == 400


def test_cross_origin_writes_are_refused(site: Site) -> None:
    client, cid = site.client, site.pending[0]
    fields = guard_fields(client)
    before = stored(site.path)
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"}, {"Origin": "https://localhost"},
                    {"Sec-Fetch-Site": "cross-site"}):
        response = client.post(f"/candidates/{cid}/results", data={**GOOD, **fields}, headers=headers)
        assert response.status_code == 403, headers
    assert stored(site.path) == before
    same = client.post(f"/candidates/{cid}/results", data={**GOOD, **fields},
                       headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 303


def test_oversized_deep_and_malformed_bodies_are_one_line_4xx(site: Site) -> None:
    client, cid = site.client, site.pending[0]
    headers = {**api_headers(client), "Content-Type": "application/json"}
    before = stored(site.path)
    cases = {
        413: [b'{"values": {"tg_C": ' + b" " * 70_000 + b"1}}"],
        400: [b"[" * 30_000 + b"]" * 30_000, b'{"values": ' * 5000 + b"1" + b"}" * 5000, b"\xff\xfe\x00",
              b'{"values": {"tg_C": 1e999}}', b'{"values": {"tg_C": ' + b"9" * 5000 + b"}}", b"",
              b'{"values": {"' + b"x" * 20_000 + b'": 1}}', b'{"values": {"tg_C": [[[[1]]]]}}',
              b'{"values": {"tg_C": -20}, "std": [1]}', b'{"values": {"tg_C": true}}', b"null", b'"text"'],
    }
    for status, bodies in cases.items():
        for body in bodies:
            response = client.post(f"/api/candidates/{cid}/results", data=body, headers=headers)
            assert response.status_code == status, (body[:40], response.get_data(as_text=True)[:200])
            assert _one_line(response.get_json()["error"])
    fields = {**guard_fields(client), **{f"f{i}": "1" for i in range(500)}}
    many = client.post(f"/candidates/{cid}/results", data=fields)  # unknown fields are ignored: no values
    assert many.status_code == 400 and "no values given" in many.get_data(as_text=True)
    parts = client.post(f"/candidates/{cid}/results", data=fields, content_type="multipart/form-data")
    assert parts.status_code == 413
    assert stored(site.path) == before


@pytest.mark.parametrize(("cid", "status"), [("99999999999999999999999999", 404), ("9223372036854775808", 404),
                                             ("9223372036854775807", 404), ("0", 404), ("abc", 400), ("-1", 400),
                                             ("1.5", 400), ("١", 400), ("%00", 400)])
def test_odd_ids_are_one_line_4xx(site: Site, cid: str, status: int) -> None:
    client = site.client
    before = stored(site.path)
    read = client.get(f"/api/candidates/{cid}")
    assert read.status_code == status and _one_line(read.get_json()["error"])
    write = client.post(f"/api/candidates/{cid}/results", json={"values": {"tg_C": -20.0}}, headers=api_headers(client))
    assert write.status_code == status and _one_line(write.get_json()["error"])
    form = client.post(f"/candidates/{cid}/failure", data={"reason": "x", **guard_fields(client)})
    assert form.status_code == status and "Traceback" not in form.get_data(as_text=True)
    assert stored(site.path) == before


def test_unknown_routes_and_methods_answer_in_one_line(site: Site) -> None:
    client = site.client
    api = client.get("/api/nothing")
    assert api.status_code == 404 and _one_line(api.get_json()["error"])
    page = client.get("/nothing")
    assert page.status_code == 404 and "nothing at /nothing" in page.get_data(as_text=True)
    assert client.get(f"/candidates/{site.pending[0]}/results").status_code == 405
    assert client.delete(f"/api/candidates/{site.pending[0]}").status_code == 405


def test_protective_headers(site: Site) -> None:
    response = site.client.get("/pending")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "connect-src 'self'" in policy
    assert response.headers["X-Frame-Options"] == "DENY" and response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_guard_pieces() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("[::1]") and is_loopback("localhost")
    assert is_loopback("127.5.0.1") and not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert not is_loopback("lab-pc") and not is_loopback("::")
    assert split_host("LocalHost:8050") == ("localhost", 8050) and split_host("[::1]:80") == ("::1", 80)
    for bad in ("", "a:b:c", "host:99999999", "[::1", "[::1]x"):
        with pytest.raises(ValueError):
            split_host(bad)
    one, two = Guard(), Guard()
    me = Identity("t", "0123456789abcdef")
    assert one.token(me) != two.token(me) and one.token(me) != one.token(Identity("t", "fedcba9876543210"))
