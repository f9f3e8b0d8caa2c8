"""Loads the channel packages named in ``CHANNEL_MODULES``; each registers its adapter
and any routes or namespaces in its own ``init_app(app)``."""
from __future__ import annotations

import importlib


def load(app) -> None:
    for name in app.config.get("CHANNEL_MODULES", ()):
        module = importlib.import_module(name)
        module.init_app(app)
