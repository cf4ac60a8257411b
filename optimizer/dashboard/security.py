"""What keeps another web page, or a page left open from another campaign, from writing into this one.

* **Host**: every request must name the address served (the loopback names, the bound host, names given
  with ``allow_hosts``) at the bound port. A DNS-rebinding page reaches this server under its own name,
  so it is refused before it can read or write anything.
* **Origin**: a state-changing request that says where it comes from must come from this address.
* **CSRF token**: an HMAC of this server's random secret and the campaign's identity. Every form carries it;
  the JSON API wants it in the ``X-CSRF-Token`` header (``GET /api/token`` hands it to local scripts; other
  sites cannot read that answer). A restarted server has a new secret, so a page left open is refused.
* **Campaign identity**: every form also carries the campaign it was drawn for (config hash and store path,
  hashed), so a form from campaign A posted after ``serve`` restarted on B is refused by name.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import secrets
import socket
from dataclasses import dataclass, field
from typing import Iterable

from ..campaign import Campaign

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})
TOKEN_FIELD = "csrf_token"
TOKEN_HEADER = "X-CSRF-Token"
CAMPAIGN_FIELD = "campaign_id"
CAMPAIGN_NAME_FIELD = "campaign"
CAMPAIGN_HEADER = "X-Viglas-Campaign"
#: Largest request body accepted [bytes] (a result form or a JSON entry is well under 4 KiB).
MAX_BODY_BYTES = 64 * 1024
#: Most parts of a multipart form (a result form has two per output and three more).
MAX_FORM_PARTS = 200
NO_AUTH_WARNING = ("the dashboard has no login: anyone who can reach {host}:{port} can read this campaign and "
                   "record, fail or withdraw its candidates. Serve on 127.0.0.1 (the default) unless this network "
                   "is trusted.")


class Refused(Exception):
    """A request refused before it touched the store: HTTP ``status`` and one line for the user.

    ``stale`` marks a page from an earlier server of the same campaign: its typed values can be shown again.
    """

    def __init__(self, status: int, message: str, *, stale: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.stale = stale


@dataclass(frozen=True)
class Identity:
    """A campaign as a form names it: its ``name`` (for messages) and a ``key`` that changes with its
    configuration or its store file."""

    name: str
    key: str

    @classmethod
    def of(cls, campaign: Campaign) -> Identity:
        text = f"{campaign.config.hash()}\0{campaign.store_path}"
        return cls(campaign.config.name, hashlib.sha256(text.encode()).hexdigest()[:16])


def short(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters for a message (hostile input can be megabytes long)."""
    return text if len(text) <= limit else text[:limit] + "…"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1); other names count as remote."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def split_host(header: str) -> tuple[str, int | None]:
    """``name[:port]`` or ``[v6]:port`` from a Host header (lower case, brackets stripped); ValueError if odd."""
    text = header.strip().lower()
    if text.startswith("["):
        name, closed, rest = text[1:].partition("]")
        if not closed:
            raise ValueError(header)
        port_text = rest[1:] if rest.startswith(":") else None
        if rest and port_text is None:
            raise ValueError(header)
    elif text.count(":") == 1:
        name, port_text = text.split(":")
    elif ":" in text:  # an IPv6 address must be bracketed
        raise ValueError(header)
    else:
        name, port_text = text, None
    if not name or (port_text is not None and not (port_text.isascii() and port_text.isdigit()
                                                   and len(port_text) <= 5)):
        raise ValueError(header)
    return name.rstrip("."), int(port_text) if port_text is not None else None


@dataclass
class Guard:
    """The checks above for one server: bound ``host``, ``port`` (None until bound: any port), extra names."""

    host: str = "127.0.0.1"
    port: int | None = None
    allow_hosts: Iterable[str] = ()
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def __post_init__(self) -> None:
        names = set(LOOPBACK_NAMES) | {h.strip("[]").lower().rstrip(".") for h in self.allow_hosts}
        if self.host not in WILDCARD_HOSTS:
            names.add(self.host.strip("[]").lower())
        if not is_loopback(self.host):  # reached from other machines by this machine's own names
            names |= _own_names()
        self.names = frozenset(names)

    def token(self, identity: Identity) -> str:
        return hmac.new(self.secret, identity.key.encode(), hashlib.sha256).hexdigest()[:32]

    def check_host(self, header: str | None) -> None:
        """Refuse a Host that is not this server's address (DNS rebinding)."""
        try:
            name, port = split_host(header or "")
        except ValueError:
            raise Refused(400, f"Host header {short(header or '')!r} is not an address") from None
        port_ok = self.port is None or port == self.port or (port is None and self.port == 80)
        if name not in self.names or not port_ok:
            raise Refused(400, f"this dashboard answers only at its own address, not at {short(header or '')!r} "
                               "(open it as http://localhost:PORT/, or start it with --allow-host NAME)")

    def check_origin(self, origin: str | None, host_header: str | None, fetch_site: str | None) -> None:
        """Refuse a state-changing request sent by a page of another site."""
        if fetch_site is not None and fetch_site.lower() == "cross-site":
            raise Refused(403, "refused: the request was sent by a page of another site")
        if origin is not None and origin.lower() != f"http://{(host_header or '').lower()}":
            raise Refused(403, f"refused: the request came from {short(origin)!r}, not from this dashboard's page")

    def check_form(self, identity: Identity, sent_key: str | None, sent_token: str | None,
                   sent_name: str | None = None) -> None:
        """A form must name this campaign and carry this server's token for it."""
        if not sent_key or not sent_token:
            raise Refused(403, "refused: the request lacks the dashboard's security token; enter results from "
                               "the dashboard's own page")
        if not _same(sent_key, identity.key):
            drawn = f"campaign {short(sent_name)!r}" if sent_name else "another campaign"
            raise Refused(409, f"refused: this form was drawn for {drawn}, but this dashboard now serves campaign "
                               f"{identity.name!r} (or its file changed); reload the page and check the candidate "
                               "before entering again")
        self.check_token(identity, sent_token)

    def check_token(self, identity: Identity, sent: str | None) -> None:
        if not sent:
            raise Refused(403, f"refused: send the token from GET /api/token in the {TOKEN_HEADER} header")
        if not _same(sent, self.token(identity)):
            raise Refused(403, "refused: the page is out of date (the dashboard was restarted since it was "
                               "loaded); check the values and send them again", stale=True)


def _own_names() -> set[str]:
    """This machine's host names and the addresses they resolve to (how other machines may name it)."""
    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    with contextlib.suppress(OSError):  # a name that does not resolve: the names alone
        names |= {str(info[4][0]).lower() for info in socket.getaddrinfo(socket.gethostname(), None)}
    return names


def _same(sent: str, expected: str) -> bool:
    """Constant-time comparison that also accepts non-ASCII (hostile) input."""
    return hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode())
