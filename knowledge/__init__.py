"""The knowledge base: articles in Korean and English, a Whoosh index that understands Korean,
the public help center and customer portal (``desk.portal``), and the console's editor."""
from __future__ import annotations

_loaded = False


def init_app(app) -> None:
    """Routes, the search hook, background loops and the ``kb`` commands."""
    global _loaded
    from desk.portal import bp as portal_bp
    from desk.portal.csat import CsatSurveyor
    from desk.portal.mailer import PortalMailer
    from knowledge import cli, console, service

    if not _loaded:
        from knowledge import api  # noqa: F401  (adds /api/v1/kb/... before the API blueprint is registered)

        _loaded = True
    app.register_blueprint(portal_bp)
    app.register_blueprint(console.bp)
    app.extensions["desk_kb_suggest"] = service.suggest
    workers = app.extensions.setdefault("desk_workers", {})
    workers["portal_mail"] = PortalMailer
    workers["csat"] = CsatSurveyor
    cli.register(app)
