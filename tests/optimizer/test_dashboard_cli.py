"""`viglas serve`: a bad port or a busy one is one line; a non-loopback --host warns that there is no login."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from werkzeug.serving import BaseWSGIServer

from optimizer.cli import main
from tests.campaign_helpers import write_campaign


@pytest.fixture()
def no_serving(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bind as `serve` does, then return at once instead of serving forever; records the bound ports."""
    ports: list[int] = []

    def stop(self: BaseWSGIServer, poll_interval: float = 0.5) -> None:
        ports.append(self.port)

    monkeypatch.setattr(BaseWSGIServer, "serve_forever", stop)
    return ports


@pytest.mark.parametrize("port", ["99999", "-1", "65536"])
def test_impossible_port_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], port: str) -> None:
    assert main(["serve", str(write_campaign(tmp_path)), "--port", port]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"viglas: error: --port {port}: a port is a whole number from 1 to 65535 (0: any free port)"


def test_busy_port_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", str(write_campaign(tmp_path)), "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith(f"viglas: error: cannot serve on 127.0.0.1:{port}")


def test_loopback_serves_quietly(tmp_path: Path, capsys: pytest.CaptureFixture[str], no_serving: list[int]) -> None:
    assert main(["serve", str(write_campaign(tmp_path)), "--port", "0"]) == 0
    out = capsys.readouterr()
    assert out.err == "" and f"at http://127.0.0.1:{no_serving[0]}/" in out.out


def test_every_interface_warns_that_there_is_no_login(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      no_serving: list[int]) -> None:
    assert main(["serve", str(write_campaign(tmp_path)), "--host", "0.0.0.0", "--port", "0"]) == 0
    out = capsys.readouterr()
    assert out.err.startswith("viglas: warning: the dashboard has no login: anyone who can reach 0.0.0.0:")
    assert out.err.count("\n") == 1 and f"at http://localhost:{no_serving[0]}/" in out.out
