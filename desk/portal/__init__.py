"""Customer self-service: the public help center (articles, search, contact form) and the
customer portal (magic-link sign-in, the customer's requests, satisfaction surveys)."""
from flask import Blueprint, abort, current_app, g

bp = Blueprint("portal", __name__, url_prefix="/help")


@bp.url_value_preprocessor
def _page_locale(endpoint, values):  # noqa: ARG001
    if values and "locale" in values:
        if values["locale"] not in current_app.config["LANGUAGES"]:
            abort(404)
        g.page_locale = values["locale"]


@bp.url_defaults
def _keep_locale(endpoint, values):
    if "locale" not in values and g.get("page_locale") and current_app.url_map.is_endpoint_expecting(endpoint,
                                                                                                      "locale"):
        values["locale"] = g.page_locale


@bp.teardown_request
def _forget_locale(exc):  # noqa: ARG001
    g.pop("page_locale", None)


from desk.portal import account, views  # noqa: E402,F401  (registers the routes)
