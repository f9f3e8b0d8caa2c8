"""Wires the supervisor floor, reports, admin pages, SLA clock and routing loop into the app.

``admin_channels`` adds its routes to ``admin.bp``, so it is imported before the blueprint registers."""
from __future__ import annotations


def init_app(app) -> None:
    from desk.console import admin, admin_channels, supervisor, ticket_links, workspace  # noqa: F401
    from desk.realtime import floor  # noqa: F401  (event subscribers)
    from desk.services import console_loop

    console_loop.init_app(app)
    app.register_blueprint(supervisor.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(workspace.bp)
    app.register_blueprint(ticket_links.bp)
    link = ("desk_admin.index", "Settings", "layers")
    links = app.extensions.setdefault("desk_admin_links", [])
    if link not in links:
        links.append(link)
