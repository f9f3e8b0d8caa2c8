"""Outbound call campaigns: the list (a customer filter or a CSV upload, validated row by row),
the script, calling hours, the do-not-call list, pacing, outcomes and live progress.

Rules that always hold: nobody is called outside the campaign's calling hours (default 09:00-20:00
Asia/Seoul, weekdays), nobody on the do-not-call list is called (a customer's "calls" or
"sms_marketing" opt-out, a STOP reply, the "do not call" outcome), and two agents never get the
same customer (the next contact is claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and
inside ``BEGIN IMMEDIATE`` on SQLite).

campaigns: creating and starting a campaign, its hours, script and figures; contacts_import: the
list and its import report; claims: what agents do on the dialer. Callers use this package:
``from desk.services import dialer; dialer.next_contact(...)``.
"""
from __future__ import annotations

from desk.services.dialer.campaigns import active_campaigns, create, in_hours, render_script, set_status, stats
from desk.services.dialer.claims import (
    STALE_CLAIM,
    announce,
    call,
    dialer_campaign,
    held_contact,
    last_call,
    next_contact,
    record_outcome,
    skip,
    workable,
)
from desk.services.dialer.contacts_import import (
    MAX_CSV_BYTES,
    MAX_CSV_ROWS,
    NAME_COLUMNS,
    PHONE_COLUMNS,
    ImportReport,
    add_customers,
    import_csv,
)

__all__ = [
    "MAX_CSV_BYTES", "MAX_CSV_ROWS", "NAME_COLUMNS", "PHONE_COLUMNS", "STALE_CLAIM", "ImportReport",
    "active_campaigns", "add_customers", "announce", "call", "create", "dialer_campaign", "held_contact",
    "import_csv", "in_hours", "last_call", "next_contact", "record_outcome", "render_script", "set_status",
    "skip", "stats", "workable",
]
