"""The campaign's list: everyone matching a customer filter, or a CSV upload validated row by row,
with a report of each row left out and why (bad or duplicate number, do-not-call, already listed)."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from desk.errors import Invalid
from desk.extensions import db
from desk.models import Agent, CampaignContact, Customer, Identity
from desk.services import calls, identity
from desk.services.dialer._shared import _campaign, _supervisor

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_CSV_ROWS = 20_000
PHONE_COLUMNS = ("phone", "phone_number", "mobile", "tel", "전화", "전화번호", "휴대폰", "휴대전화", "연락처")
NAME_COLUMNS = ("name", "full_name", "이름", "성명", "고객명")


@dataclass
class ImportReport:
    added: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line, phone as written, reason)

    @property
    def rejected_count(self) -> int:
        return len(self.rejected)


def _has(session: Session, campaign_id: int, customer_id: int) -> bool:
    return session.scalar(select(CampaignContact.id).where(CampaignContact.campaign_id == campaign_id,
                                                           CampaignContact.customer_id == customer_id)) is not None


def add_customers(actor: Agent, campaign_id: int, *, q: str = "", locale: str = "", limit: int = 5000) -> ImportReport:
    """Everyone matching a customer filter (name, email or phone contains ``q``; language) who has a
    phone and is not on the do-not-call list.

    The filter must name something to match on: ``q`` with at least one letter or digit, or a
    language. An empty filter, or one of punctuation alone (``---``, ``( )``), is refused rather
    than read as "every customer with a phone"."""
    _supervisor(actor)
    q = (q or "").strip()[:200]
    locale = (locale or "").strip()
    if not q and not locale:
        raise Invalid("give part of a name, email or phone number, or a language, to choose customers",
                      field="q")
    if q and not any(ch.isalnum() for ch in q):
        raise Invalid("the filter needs letters or digits to match on", field="q")
    report = ImportReport()
    with db.write() as session:
        campaign = _campaign(session, campaign_id)
        stmt = (select(Customer, Identity.value).join(Identity, Identity.customer_id == Customer.id)
                .where(Identity.kind == "phone", Customer.merged_into_id.is_(None)).order_by(Customer.id))
        if q:
            pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            patterns = [pattern]
            if re.fullmatch(r"[0-9+\- ()]{3,}", q):  # a phone fragment as people type it: 010-1234
                digits = re.sub(r"\D", "", q)
                digits = digits[1:] if digits.startswith("0") else digits  # stored as +8210...
                if digits:  # "0--" leaves nothing: "%%" would match every number
                    patterns.append("%" + digits + "%")
            matching = select(Identity.customer_id).where(
                or_(*[Identity.value.ilike(p, escape="\\") for p in patterns]))
            stmt = stmt.where(Customer.name.ilike(pattern, escape="\\") | Customer.id.in_(matching))
        if locale:
            stmt = stmt.where(Customer.locale == locale)
        seen: set[int] = set()
        for customer, phone in session.execute(stmt.limit(limit)).all():
            if customer.id in seen:
                continue
            seen.add(customer.id)
            if calls.is_dnc(customer):
                report.rejected.append((0, phone, "dnc"))
            elif _has(session, campaign.id, customer.id):
                report.rejected.append((0, phone, "already_listed"))
            else:
                session.add(CampaignContact(campaign_id=campaign.id, customer_id=customer.id, phone=phone))
                report.added += 1
    return report


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):  # Excel in Korea saves CSV as CP949
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("the file is neither UTF-8 nor CP949 (EUC-KR) text", field="file")


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    for column in header:
        if column.strip().lower() in names:
            return column
    return None


def import_csv(actor: Agent, campaign_id: int, data: bytes) -> ImportReport:
    """Rows with a valid phone join the list; every other row is reported with its line and why."""
    _supervisor(actor)
    if len(data) > MAX_CSV_BYTES:
        raise Invalid(f"the file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB", field="file")
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h or "" for h in (reader.fieldnames or [])]
    phone_col = _column(header, PHONE_COLUMNS)
    if phone_col is None:
        raise Invalid("the first line must name the columns, with one called phone (or 전화번호)", field="file")
    name_col = _column(header, NAME_COLUMNS)
    report = ImportReport()
    with db.write() as session:
        campaign = _campaign(session, campaign_id)
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            if len(seen) + report.rejected_count >= MAX_CSV_ROWS:
                report.rejected.append((line, "", "too_many_rows"))
                break
            raw = (row.get(phone_col) or "").strip()
            if None in row:  # more cells than columns
                report.rejected.append((line, raw, "extra_columns"))
                continue
            if not raw:
                report.rejected.append((line, raw, "missing_phone"))
                continue
            try:
                phone = identity.normalize_phone(raw)
            except Invalid:
                report.rejected.append((line, raw, "invalid_phone"))
                continue
            if phone in seen:
                report.rejected.append((line, raw, "duplicate"))
                continue
            seen.add(phone)
            name = (row.get(name_col) or "").strip()[:200] if name_col else ""
            customer, _ = identity.resolve(session, "phone", phone, name=name or None)
            if calls.is_dnc(customer):
                report.rejected.append((line, raw, "dnc"))
                continue
            if _has(session, campaign.id, customer.id):
                report.rejected.append((line, raw, "already_listed"))
                continue
            extra = {k.strip()[:50]: (v or "").strip()[:500] for k, v in row.items()
                     if k and k not in (phone_col, name_col)}
            session.add(CampaignContact(campaign_id=campaign.id, customer_id=customer.id, phone=phone,
                                        fields=extra))
            session.flush()
            report.added += 1
    return report
