"""The JSON REST API under /api/v1 (bearer tokens for staff), described at /api/v1/openapi.json."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from desk.api import customers, meta, tickets  # noqa: E402,F401  (routes register on import)
