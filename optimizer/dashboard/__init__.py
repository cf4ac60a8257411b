"""A local web dashboard for a campaign: overview, plots, pending candidates and lab-result entry.

>>> from optimizer.dashboard import create_app, serve    # doctest: +SKIP
>>> serve(Path("campaigns/demo.yaml"))                    # doctest: +SKIP  (http://127.0.0.1:8050)
"""

from __future__ import annotations

from .app import create_app, serve

__all__ = ["create_app", "serve"]
