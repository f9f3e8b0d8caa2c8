"""Agent and supervisor pages (server-rendered)."""
from flask import Blueprint

bp = Blueprint("console", __name__)

from desk.console import views  # noqa: E402,F401
