"""Agent and supervisor pages (server-rendered, Korean and English)."""
from flask import Blueprint

bp = Blueprint("console", __name__)

from desk.console import customers, helpers, tickets, views  # noqa: E402,F401  (registers the routes)
