"""The JSON REST API under /api/v1 (bearer tokens for staff), described at /api/v1/openapi.json."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.after_request
def _headers(response):
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="desk"')
    response.headers.setdefault("Cache-Control", "no-store")  # answers carry customer data
    return response


from desk.api import customers, meta, ticket_links, tickets  # noqa: E402,F401  (routes register on import)
