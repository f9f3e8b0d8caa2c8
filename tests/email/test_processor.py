"""From raw bytes to the right ticket: threading, loops, bounces, spoofing, floods, quarantine."""
from __future__ import annotations

from sqlalchemy import func, select

from channels.email import addresses, quarantine
from channels.email.processor import process
from desk.extensions import db
from desk.models import Interaction, MailQuarantine, OutboxItem, Queue, Ticket
from desk.services import replies
from tests.email.conftest import build_mail


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def interaction_for(message_id: str) -> Interaction:
    return db.session.scalar(select(Interaction).where(Interaction.external_id == message_id))


def test_new_mail_opens_a_ticket_with_the_sender_as_customer(mail_app):
    assert process(build_mail(), rcpt_to=["support@desk.test"]) == ("processed", None)
    interaction = interaction_for("m1@example.kr")
    assert interaction.text == "환불 부탁드립니다."
    assert interaction.ticket.subject == "환불 문의" and interaction.ticket.customer.name == "김철수"
    assert interaction.meta["threading"]["reason"] == "new_ticket"


def test_same_message_delivered_twice_is_one_interaction(mail_app):
    raw = build_mail()
    process(raw)
    process(raw)
    no_id = build_mail(message_id=None, body="no message id")
    process(no_id)
    process(no_id)  # identified by the sha256 of its bytes
    assert count(Interaction) == 2


def test_reply_threads_by_our_message_id_even_with_a_new_subject(mail_app, staff):
    process(build_mail())
    ticket = interaction_for("m1@example.kr").ticket
    ours = addresses.message_id(mail_app.config["SECRET_KEY"], "desk.test", ticket.id, 99)
    process(build_mail(subject="완전히 다른 제목", message_id="<m2@example.kr>", In_Reply_To=ours,
                       body="추가 문의입니다"))
    reply = interaction_for("m2@example.kr")
    assert reply.ticket_id == ticket.id and reply.meta["threading"]["reason"] == "message_id"


def test_forged_message_id_and_reply_address_do_not_thread(mail_app):
    process(build_mail())
    ticket = interaction_for("m1@example.kr").ticket
    forged = f"<desk.{ticket.id}.1.0000000000000000@desk.test>"
    process(build_mail(sender="evil@example.net", message_id="<m3@example.net>", In_Reply_To=forged))
    process(build_mail(sender="evil@example.net", message_id="<m4@example.net>",
                       to=f"reply+{ticket.id}-000000000000@desk.test"),
            rcpt_to=[f"reply+{ticket.id}-000000000000@desk.test"])
    assert interaction_for("m3@example.net").ticket_id != ticket.id
    assert interaction_for("m4@example.net").ticket_id != ticket.id


def test_reply_address_threads_when_headers_were_rewritten(mail_app):
    process(build_mail())
    ticket = interaction_for("m1@example.kr").ticket
    reply_to = addresses.reply_address(mail_app.config["SECRET_KEY"], "desk.test", ticket.id)
    process(build_mail(message_id="<m5@example.kr>", to=reply_to, subject="RE: 회신"), rcpt_to=[reply_to])
    assert interaction_for("m5@example.kr").meta["threading"]["reason"] == "reply_address"
    assert interaction_for("m5@example.kr").ticket_id == ticket.id


def test_subject_token_only_threads_for_the_tickets_customer(mail_app):
    process(build_mail())
    ticket = interaction_for("m1@example.kr").ticket
    process(build_mail(message_id="<m6@example.kr>", subject=f"Re: 환불 문의 [#{ticket.number}]"))
    process(build_mail(sender="other@example.com", message_id="<m7@example.com>",
                       subject=f"[#{ticket.number}] let me in"))
    assert interaction_for("m6@example.kr").ticket_id == ticket.id
    assert interaction_for("m7@example.com").ticket_id != ticket.id


def test_recipient_address_routes_to_the_matching_queue(mail_app):
    process(build_mail(to="billing@desk.test"), rcpt_to=["billing@desk.test"])
    assert interaction_for("m1@example.kr").ticket.queue.slug == "billing"


def test_acknowledgement_is_sent_for_people_but_never_for_automatic_mail(mail_app):
    with db.write() as session:
        for queue in session.scalars(select(Queue)):
            queue.send_acknowledgement = True
    process(build_mail())
    process(build_mail(sender="robot@example.com", message_id="<auto@example.com>", Auto_Submitted="auto-replied"))
    process(build_mail(sender="news@example.com", message_id="<bulk@example.com>", Precedence="bulk"))
    process(build_mail(sender="list@example.com", message_id="<list@example.com>", List_Id="<x.example.com>"))
    acks = list(db.session.scalars(select(Interaction).where(Interaction.direction == "outbound")))
    assert len(acks) == 1
    assert acks[0].meta["auto"] is True and "#" in acks[0].text
    assert interaction_for("auto@example.com").meta["auto"] == "Auto-Submitted: auto-replied"
    assert count(OutboxItem) == 1


def test_bounce_marks_the_delivery_failed_instead_of_opening_a_ticket(mail_app, staff):
    process(build_mail())
    ticket = interaction_for("m1@example.kr").ticket
    reply = replies.send(ticket.id, actor=staff["agent"], body="답변", channel="email")
    bounce_to = addresses.bounce_address(mail_app.config["SECRET_KEY"], "desk.test", reply.id)
    dsn = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.kr>\r\n"
        f"To: {bounce_to}\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx.example.kr>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.kr\r\n\r\n"
        "Final-Recipient: rfc822; chulsoo@example.kr\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {addresses.message_id(mail_app.config['SECRET_KEY'], 'desk.test', ticket.id, reply.id)}\r\n"
        "Subject: Re: 환불 문의\r\n--b1--\r\n").encode()
    tickets_before = count(Ticket)
    assert process(dsn, envelope_from="", rcpt_to=[bounce_to]) == ("processed", None)
    assert count(Ticket) == tickets_before
    db.session.expire_all()
    bounced = db.session.get(Interaction, reply.id)
    assert bounced.delivery_status == "failed"
    assert bounced.meta["bounce"]["status"] == "5.1.1" and "user unknown" in bounced.meta["bounce"]["diagnostic"]


def test_bounce_about_mail_we_never_sent_is_quarantined(mail_app):
    dsn = build_mail(sender="MAILER-DAEMON@mx.example.kr", subject="Undelivered",
                     Content_Type_="x", message_id="<dsn2@mx>")
    raw = dsn.replace(b"Content-Type: text/plain", b'Content-Type: multipart/report; report-type=delivery-status;'
                      b' boundary="zz"', 1)
    outcome, detail = process(raw, rcpt_to=["support@desk.test"])
    assert outcome == "quarantined" and detail.startswith("unknown_bounce")
    assert count(Ticket) == 0


def test_dmarc_failure_at_the_trusted_relay_is_quarantined(mail_app):
    mail_app.config["MAIL_TRUSTED_AUTHSERV_ID"] = "mx.desk.test"
    spoof = build_mail(sender="ceo@bank.example", message_id="<spoof@x>",
                       Authentication_Results="mx.desk.test; spf=fail smtp.mailfrom=bank.example; dmarc=fail "
                                              "header.from=bank.example")
    untrusted = build_mail(sender="ok@example.com", message_id="<other@x>",
                           Authentication_Results="evil.example; dmarc=fail header.from=example.com")
    assert process(spoof)[0] == "quarantined"
    assert process(untrusted)[0] == "processed"  # only our own relay's verdict counts
    row = db.session.scalar(select(MailQuarantine))
    assert row.reason == "spoofing" and row.mail_from == "" and row.raw == spoof


def test_a_runaway_sender_is_stopped_and_its_mail_kept(mail_app):
    mail_app.config["MAIL_SENDER_HOURLY_LIMIT"] = 5
    outcomes = [process(build_mail(message_id=f"<loop{n}@x>", subject=f"Auto {n}"))[0] for n in range(8)]
    assert outcomes == ["processed"] * 5 + ["quarantined"] * 3
    assert count(Ticket) == 5 and count(MailQuarantine) == 3


def test_mail_from_our_own_system_address_is_a_loop(mail_app):
    outcome, detail = process(build_mail(sender="support@desk.test", message_id="<echo@x>"))
    assert outcome == "quarantined" and detail.startswith("loop")


def test_quarantined_mail_can_be_reprocessed_and_then_threads_normally(mail_app):
    mail_app.config["MAIL_SENDER_HOURLY_LIMIT"] = 1
    process(build_mail(message_id="<a@x>"))
    assert process(build_mail(message_id="<b@x>"))[0] == "quarantined"
    qid = quarantine.open_ids()[0]
    assert quarantine.reprocess(qid)[0] == "quarantined"  # still over the limit
    assert quarantine.reprocess(qid, force=True) == ("processed", None)
    row = db.session.get(MailQuarantine, qid)
    assert row.status == "reprocessed" and row.interaction_id == interaction_for("b@x").id
    assert count(MailQuarantine) == 1  # the second failure updated the same entry


def test_a_message_that_breaks_processing_does_not_block_the_next(mail_app, monkeypatch, tmp_path):
    from channels.email import processor as processor_module
    from channels.email.processor import MailProcessor
    from channels.email.spool import SpoolReader, SpoolWriter

    spool = tmp_path / "spool.db"
    writer = SpoolWriter(spool)
    writer.store(build_mail(message_id="<poison@x>", subject="poison"), "a@example.com", ["support@desk.test"])
    writer.store(build_mail(message_id="<fine@x>", subject="fine"), "b@example.com", ["support@desk.test"])
    writer.close()
    real = processor_module.intake.write  # what every intake call runs for each message, batched or not

    def flaky(conn, events, msg, kind, sender):
        if msg.external_id == "poison@x":
            raise RuntimeError("bug in a service")
        return real(conn, events, msg, kind, sender)

    monkeypatch.setattr(processor_module.intake, "write", flaky)
    reader = SpoolReader(spool)
    worker = MailProcessor(mail_app, reader)
    assert worker.run_once() == 1  # the good one went through despite the bad one before it
    assert interaction_for("fine@x") is not None
    for _ in range(processor_module.MAX_ATTEMPTS):
        worker.run_once()
    row = db.session.scalar(select(MailQuarantine))
    assert row.reason == "intake_error" and "bug in a service" in row.error
    assert reader.counts() == {"processed": 1, "quarantined": 1}


def _dsn(mail_app, ticket_id: int, reply_id: int, *, action="failed", status="5.1.1") -> bytes:
    ours = addresses.message_id(mail_app.config["SECRET_KEY"], "desk.test", ticket_id, reply_id)
    return (
        "From: MAILER-DAEMON@mx.example.kr\r\nTo: support@desk.test\r\nSubject: Delivery Status Notification\r\n"
        "Message-ID: <dsn-x@mx.example.kr>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b2"\r\n\r\n'
        "--b2\r\nContent-Type: text/plain\r\n\r\nreport\r\n"
        "--b2\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.kr\r\n\r\n"
        f"Final-Recipient: rfc822; chulsoo@example.kr\r\nAction: {action}\r\nStatus: {status}\r\n"
        "--b2\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {ours}\r\n--b2--\r\n").encode()


def test_a_bounce_from_an_ordinary_sender_is_not_trusted(mail_app, staff):
    process(build_mail())
    ticket = interaction_for("m1@example.kr").ticket
    reply = replies.send(ticket.id, actor=staff["agent"], body="답변", channel="email")
    forged = _dsn(mail_app, ticket.id, reply.id)
    assert process(forged, envelope_from="attacker@example.net", rcpt_to=["support@desk.test"]) == ("processed", None)
    db.session.expire_all()
    assert db.session.get(Interaction, reply.id).delivery_status == "queued"  # not marked failed
    assert interaction_for("dsn-x@mx.example.kr") is not None  # kept as an ordinary message instead


def test_a_delay_notice_warns_without_failing_the_delivery(mail_app, staff):
    process(build_mail())
    ticket = interaction_for("m1@example.kr").ticket
    reply = replies.send(ticket.id, actor=staff["agent"], body="답변", channel="email")
    process(_dsn(mail_app, ticket.id, reply.id, action="delayed", status="4.4.7"), envelope_from="")
    db.session.expire_all()
    interaction = db.session.get(Interaction, reply.id)
    assert interaction.delivery_status == "queued"
    assert interaction.meta["delivery_delayed"]["status"] == "4.4.7"


def test_read_receipts_and_our_own_mail_coming_back_open_no_ticket(mail_app):
    receipt = (
        "From: customer@example.com\r\nTo: support@desk.test\r\nSubject: Read: 답변\r\nMessage-ID: <mdn@x>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary="m"\r\n'
        "\r\n--m\r\nContent-Type: text/plain\r\n\r\nYour message was read.\r\n"
        "--m\r\nContent-Type: message/disposition-notification\r\n\r\nFinal-Recipient: rfc822;customer@example.com\r\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\r\n--m--\r\n").encode()
    assert process(receipt, envelope_from="") == ("processed", None)
    echo = build_mail(sender="someone@example.com", message_id="<echo2@x>", X_Desk_Ticket="1001")
    assert process(echo)[0] == "quarantined"
    assert count(Ticket) == 0
