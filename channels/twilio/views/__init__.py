"""Console pages for phone work: the callback queue, click-to-call, the dialer and campaigns.
Views parse the form, check the permission and call a service; the services own every rule.

One blueprint, ``phone``, shared by every page module: common (the blueprint, forms, error
sentences, labels and template context), call_pages, callback_pages, dialer_pages (agents) and
campaign_pages (supervisors). Importing this package registers every page on the blueprint.
"""
from __future__ import annotations

# Imported for their routes, which register on bp.
from channels.twilio.views import call_pages, callback_pages, campaign_pages, dialer_pages  # noqa: F401
from channels.twilio.views.common import bp

__all__ = ["bp"]
