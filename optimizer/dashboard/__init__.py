"""A local web dashboard for a campaign: overview with interactive plots, every candidate in a table that sorts
and filters, and the lab's actions (results, a failed synthesis, a withdrawal) from the page or a JSON API.

Safe on a shared machine: every write carries a CSRF token and the campaign's identity, and requests that name
another host or come from another site are refused (`security`).

>>> from optimizer.dashboard import create_app, serve    # doctest: +SKIP
>>> serve(Path("campaigns/demo.yaml"))                    # doctest: +SKIP  (http://127.0.0.1:8050)
"""

from __future__ import annotations

from .app import create_app, make_server, serve

__all__ = ["create_app", "make_server", "serve"]
