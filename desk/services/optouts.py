"""Marketing opt-outs from the customer's own words: STOP / 수신거부 puts them on the do-not-call
and no-marketing-SMS lists; START takes them off the SMS list only (a "do not call" an agent
recorded stays)."""
from __future__ import annotations

from desk.events import publish
from desk.extensions import db
from desk.models import AuditLog, Customer
from desk.schemas import customer_dict

STOP_FLAGS = ("sms_marketing", "calls")


def apply_keyword(customer_id: int, word: str) -> bool:
    """Returns True when the customer's opt-outs changed."""
    with db.write() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            return False
        current = list(customer.opt_outs or [])
        if word == "stop":
            updated = current + [flag for flag in STOP_FLAGS if flag not in current]
        elif word == "start":
            updated = [flag for flag in current if flag != "sms_marketing"]
        else:
            return False
        if updated == current:
            return False
        customer.opt_outs = updated
        session.add(AuditLog(action=f"customer.opt_{'out' if word == 'stop' else 'in'}", target_type="customer",
                             target_id=customer.id, data={"via": "sms", "opt_outs": updated}))
        session.flush()
        publish(session, "customer.updated", {"customer": customer_dict(customer)})
        return True
