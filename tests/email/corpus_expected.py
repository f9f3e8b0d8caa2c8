"""Expected results for every message in tests/fixtures/mail, as a person reading the mail would
state them (used by test_parse_corpus.py)."""
from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
SECRET, DOMAIN = "corpus-secret", "desk.example"  # what make_corpus.py signs our ids with
OUR_42_7 = "desk.42.7.c0dc158cf5f487fb@desk.example"  # our reply 7 on ticket 42
OUR_57_130 = "desk.57.130.3e690f858d0a45b2@desk.example"  # our reply 130 on ticket 57 (it bounced)
REPLY_42 = "reply+42-806877356a33@desk.example"
BOUNCES_130 = "bounces+130-1ddccd7427a8@desk.example"
SUPPORT = ["support@desk.example"]
PDF, PNG = 125, 70  # sizes of the tiny files the corpus attaches


def att(filename, content_type, size, content_id=None, inline=False):
    return (filename, content_type, size, content_id, inline)


# name -> expectations. Keys: subject, sender (name, address), text, quoted ("" = nothing quoted) or
# quoted_has (substrings, each also asserted NOT to be in text), attachments, to, cc, reply_to,
# message_id, in_reply_to, date, charsets, headers (subset), html_has / html_not, bounce, report_type,
# defects_has.
EXPECTED: dict[str, dict] = {
    "01_utf8_plain.eml": dict(
        subject="주문 배송 문의드립니다", sender=("김민수", "minsu.kim@example.com"),
        text="안녕하세요.\n지난주 금요일에 주문한 상품(주문번호 20250228-1187)이 아직 도착하지 않았습니다.\n"
             "배송 상황 확인 부탁드립니다.\n\n김민수 드림",
        quoted="", message_id="20250303101455.4821@mail.example.com", date="2025-03-03T01:14:55+00:00",
        charsets=["utf-8"], headers={"Return-Path": "<minsu.kim@example.com>"}),
    "02_utf8_html_only.eml": dict(
        subject="회원정보 수정 오류", sender=("Lee Sora", "sora.lee@example.net"),
        text='안녕하세요, 고객센터 담당자님.\n\n회원 정보에서 휴대폰 번호를 변경하려고 하는데 "인증 실패" 오류가 납니다.\n\n'
             "확인 부탁드립니다. 감사합니다.",
        quoted="", html_has=["<b>휴대폰 번호</b>"]),
    "03_multipart_alternative.eml": dict(
        subject="환불 request", sender=("Park Jiwoo", "jiwoo.park@example.org"),
        text="환불 요청드립니다.\n사이즈가 맞지 않아 반품했습니다. 계좌로 환불 부탁드려요.", quoted="",
        html_has=["<div>환불 요청드립니다.</div>"], charsets=["utf-8", "utf-8"]),
    "04_euc_kr.eml": dict(
        subject="세금계산서 발행 요청", sender=("최영희", "younghee@example.co.kr"),
        text="안녕하세요.\n세금계산서 발행을 요청드립니다.\n사업자등록번호는 123-45-67890 입니다.", quoted="",
        charsets=["cp949"]),
    "05_outlook_ks_c_5601.eml": dict(
        subject="가입 오류 - 똠방각하 쀍상회", sender=("정대현", "daehyun.jung@example.co.kr"),
        text="담당자님 안녕하세요.\n\n똠방각하 쀍 같은 글자가 포함된 상호명으로 가입이 되지 않습니다.\n"
             "상호명: 똠방각하 쀍상회\n\n감사합니다.",
        quoted="", html_has=["상호명: 똠방각하 쀍상회"], charsets=["cp949", "cp949"],
        message_id="se1p216mb1234abcd5678ef90a1b2c3d4e5f6a7b8@se1p216mb1234.korp216.prod.outlook.com"),
    "06_iso_2022_kr.eml": dict(
        subject="비밀번호 재설정", sender=("Han Yuna", "yuna.han@example.kr"),
        text="비밀번호 재설정 메일이 오지 않습니다.\n확인해 주세요.", quoted="", charsets=["iso2022_kr"]),
    "07_iso_2022_jp.eml": dict(
        subject="ご注文について", sender=("山田太郎", "taro.yamada@example.jp"),
        text="お世話になっております。\n注文番号①の件でｶタログを確認しました。\nよろしくお願いいたします。", quoted="",
        charsets=["cp50221"]),
    "08_gb2312.eml": dict(
        subject="订单查询", sender=("Wang Rong", "wang.rong@example.cn"),
        text="您好，我的订单还没有收到。\n收货人：王镕\n谢谢！", quoted="", charsets=["gb18030"]),
    "09_windows_1252.eml": dict(
        subject="Double charge – € 49.90", sender=("Renée O’Brien", "renee.obrien@example.ie"),
        text="Hello,\n\nI was charged €49.90 twice – the “Premium” plan’s renewal…\nPlease refund one.",
        quoted="", charsets=["cp1252"]),
    "10_latin1_label_cp1252_bytes.eml": dict(
        subject="Problème de facturation", sender=("François Bérard", "francois@example.fr"),
        text="Bonjour,\n\nLe colis à « Paris » coûte 12€, pas “20”.\nMerci.", quoted="", charsets=["cp1252"]),
    "11_wrong_charset_utf8_is_cp949.eml": dict(
        subject="[web] inquiry", sender=(None, "webform@shop.example.kr"), reply_to="customer8812@example.kr",
        text="이름: 오세훈\n연락처: 010-1234-5678\n문의: 교환 절차가 궁금합니다. 쀍", quoted="", charsets=["cp949"]),
    "12_wrong_charset_latin1_is_utf8.eml": dict(
        subject="배송지 변경", sender=("Jeon Hana", "hana.jeon@example.com"),
        text="배송지를 서울시 마포구 월드컵로 1로 변경해 주세요. Café 앞입니다.", quoted="", charsets=["utf-8"]),
    "13_no_charset_8bit_korean.eml": dict(
        subject="no charset", sender=(None, "kang@example.kr"),
        text="영수증을 다시 보내 주실 수 있나요?\n이메일 주소가 바뀌었습니다.", quoted="", charsets=["cp949"]),
    "14_raw_8bit_korean_subject.eml": dict(
        subject="[긴급] 결제 취소 요청", sender=("윤서연", "seoyeon.yoon@example.kr"),
        text="어제 결제한 건을 취소하고 싶습니다.", quoted="", message_id="raw8bit-1@example.kr"),
    "15_raw_utf8_headers.eml": dict(
        subject="견적서 재발행 ✓", sender=("배지훈", "jihun.bae@example.com"), text="견적서를 다시 보내 주세요.",
        quoted="", attachments=[att("견적서_2025.pdf", "application/pdf", PDF)]),
    "16_rfc2047_split_base64.eml": dict(
        subject="Re: 환불 처리 지연에 대한 문의입니다", sender=("홍길동", "gildong.hong@example.com"),
        text="Refund still pending.", quoted=""),
    "17_rfc2047_split_q.eml": dict(
        subject="Re:배송 주소 확인 [#1042]", sender=("Müller Jürgen 준", "juergen@example.de"),
        text="Please check the address.", quoted=""),
    "18_rfc2231_filenames.eml": dict(
        subject="documents", sender=("Seo Jimin", "jimin.seo@example.com"), text="Three files attached.", quoted="",
        attachments=[
            att("견적서_최종.pdf", "application/pdf", PDF),
            att("거래명세서_2025년_3월분_(주)똠방각하.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 22),
            att("영수증.png", "image/png", PNG),  # filename*= wins over the ASCII fallback "receipt.png"
        ]),
    "19_quoted_printable.eml": dict(
        subject="coupon", sender=("Moon Taeyang", "taeyang@example.com"),
        text='쿠폰 코드 SPRING2025=10% 가 적용되지 않아요. 결제 화면에서 "유효하지 않은 코드" 라고 나옵니다.', quoted=""),
    "20_base64_body.eml": dict(
        subject="app logout", sender=("Shin Yujin", "yujin.shin@example.com"),
        text="앱에서 로그인하면 계속 로그아웃됩니다.\n기종: Galaxy S23, 앱 버전 5.2.1\n재설치해도 똑같습니다. 해결 방법을 알려 주세요.",
        quoted=""),
    "21_format_flowed.eml": dict(
        subject="flowed", sender=("Ryu Minji", "minji.ryu@example.com"),
        text="안녕하세요. 지난번에 안내해 주신 방법대로 했는데도 알림이 오지 않습니다. "
             "From the settings page everything looks fine, but nothing arrives.",
        quoted="> 설정에서 알림을 켜 주세요. 그래도 안 되면 알려 주세요.\n\n-- \nRyu Minji"),
    "22_missing_closing_boundary.eml": dict(
        subject="contract", sender=("Kwon Doyun", "doyun.kwon@example.com"), text="Signed contract attached.",
        quoted="", attachments=[att("contract.pdf", "application/pdf", PDF)],
        defects_has=["CloseBoundaryNotFoundDefect"]),
    "23_wrong_boundary.eml": dict(
        subject="wrong boundary", sender=("Nam Gyuri", "gyuri.nam@example.com"),
        text="적립금이 사라졌어요. 확인 부탁드립니다.", quoted="", html_has=["<p>적립금이 사라졌어요."],
        html_not=["NextPart", "Content-Type"], defects_has=["BoundaryRecovered"]),
    "24_missing_boundary_param.eml": dict(
        subject="missing boundary", sender=("Bae Suji", "suji.bae@example.com"), text="영수증 첨부합니다.",
        quoted="", attachments=[att("receipt.gif", "image/gif", 43)], defects_has=["BoundaryRecovered"]),
    "25_forwarded_rfc822.eml": dict(
        subject="Fwd: order cancelled without my request", sender=("Go Eunji", "eunji.go@example.com"),
        text="제가 취소하지 않았는데 주문이 취소됐어요. 원본 메일 첨부합니다.", quoted="",
        attachments=[att("order-cancelled.eml", "message/rfc822", 793)]),
    "26_outlook_related_cid.eml": dict(
        subject="Error 500 on checkout", sender=("Alex Turner", "alex.turner@example.com"),
        text="Screenshot of the error:\n[error]", quoted="",
        html_has=['src="cid:image001.png@01DB9E5F.2C3A1B40"'],
        attachments=[att("image001.png", "image/png", PNG, "image001.png@01DB9E5F.2C3A1B40", inline=True)]),
    "27_attachments.eml": dict(
        subject="damaged item photos", sender=("Song Hyejin", "hyejin.song@example.com"),
        text="The box arrived crushed. Invoice and photo attached.", quoted="",
        attachments=[
            att("invoice-7781.pdf", "application/pdf", PDF, "f_m8u1x2y30"),  # Gmail ids: not embedded
            att("IMG_2045.JPG", "image/jpeg", 91, "f_m8u1x2y41"),
            att("attachment.bin", "application/octet-stream", 1024),  # no name at all
        ]),
    "28_text_attachments.eml": dict(
        subject="sync error log", sender=("Hwang Jae", "jae.hwang@example.com"),
        text="Sync fails every night. Logs attached.", quoted="",
        attachments=[att("log.txt", "text/plain", 108), att("notes.txt", "text/plain", 33),
                     att("report.html", "text/html", 48)]),
    "29_gmail_reply.eml": dict(
        subject="Re: Your order has shipped [#1042]", sender=("Kim Minsu", "minsu.kim@example.com"),
        text="Thanks, the tracking number works now.",
        quoted_has=["On Mon, Mar 3, 2025 at 10:12\u202fAM Desk Support <support@desk.example>\nwrote:",
                    "> Your parcel left our warehouse."],
        to=[REPLY_42], in_reply_to=[OUR_42_7], references=[OUR_42_7],
        html='<div dir="ltr">Thanks, the tracking number works now.</div><br>'),
    "30_gmail_korean_reply.eml": dict(
        subject="Re: [#1042] 교환 안내", sender=("김민수", "minsu.kim@example.com"),
        text="네, 확인했습니다. 교환으로 진행해 주세요.",
        quoted_has=["-- \n김민수 드림", "고객센터 <support@desk.example>님이 작성:", "> 안녕하세요. 교환과 환불 중"],
        in_reply_to=[OUR_42_7], html_has=["교환으로 진행해 주세요."], html_not=["님이 작성", "gmail_quote"]),
    "31_outlook_reply.eml": dict(
        subject="RE: Two active subscriptions [#1042]", sender=("Alex Turner", "alex.turner@example.com"),
        text="Yes, please cancel the second subscription.\n\nRegards,\nAlex",
        quoted_has=["________________________________\nFrom: Desk Support <support@desk.example>\n"
                    "Sent: Monday, March 3, 2025 10:12 AM", "We see two active subscriptions."],
        in_reply_to=[OUR_42_7], html_has=["Regards,<br>Alex"], html_not=["divRplyFwdMsg", "We see two"]),
    "32_outlook_korean_reply.eml": dict(
        subject="RE: [#1042] A/S 방문 일정 안내", sender=("박지훈", "jihoon.park@example.co.kr"),
        text="확인 감사합니다. 내일 오전에 방문 가능합니다.",
        quoted_has=["보낸 사람: 고객센터 <support@desk.example>\n보낸 날짜: 2025년 3월 3일 월요일 오전 10:12",
                    "박지훈 고객님, 방문 가능한 시간을 알려 주세요."],
        in_reply_to=[OUR_42_7], charsets=["cp949", "cp949"],
        html_has=["내일 오전에 방문 가능합니다."], html_not=["보낸 사람", "방문 가능한 시간"]),
    "33_naver_reply.eml": dict(
        subject="Re: [#1042] 주문 확인 안내", sender=("이도현", "dohyun.lee@naver.example"),
        text="주문 취소 부탁드립니다.\n결제는 카드로 했습니다.",
        quoted_has=["-----Original Message-----\nFrom: \"고객센터\"<support@desk.example>",
                    "Sent: 2025-03-03 (월) 10:12:00", "이도현 고객님, 주문이 접수되었습니다."],
        to=[REPLY_42], html_has=["<p>주문 취소 부탁드립니다.</p>"], html_not=["Original Message"]),
    "34_daum_reply.eml": dict(
        subject="Re: [#1042] 환불 계좌 안내 요청", sender=("최유리", "yuri.choi@daum.example"),
        text="환불 계좌는 국민은행 123456-01-234567 입니다.",
        quoted_has=["-----원본 메시지-----\n보낸사람 : 고객센터 <support@desk.example>", "환불받으실 계좌를 알려 주세요."],
        in_reply_to=[OUR_42_7], html_not=["원본 메시지"]),
    "35_apple_mail_reply.eml": dict(
        subject="Re: Refund [#1042]", sender=("Emma Stone", "emma.s@example.com"), text="Perfect, thank you!",
        quoted_has=["> On Mar 3, 2025, at 10:12\u202fAM, Desk Support <support@desk.example> wrote:",
                    "> Your refund was issued today."],
        in_reply_to=[OUR_42_7], message_id="8f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b@example.com",
        html_has=["Perfect, thank you!"], html_not=["wrote:", "refund was issued"]),
    "36_thunderbird_reply.eml": dict(
        subject="Re: Serial number [#1042]", sender=("Olivia Park", "olivia@example.net"),
        text="The serial number is SN-55-1020-X. It is printed under the battery.",
        quoted_has=["On 3/3/25 10:12 AM, Desk Support wrote:", "> Could you send us the serial number of the device?"],
        in_reply_to=[OUR_42_7], html_has=["printed under the battery"], html_not=["moz-cite-prefix", "device?"]),
    "37_signature_dashdash.eml": dict(
        subject="API key rotation", sender=("Lim Dongwook", "dw.lim@corp.example"),
        text="API 키를 교체하려면 기존 키를 먼저 삭제해야 하나요?",
        quoted="-- \n임동욱 | 개발팀\n(주)코프이그잼플 | Tel. 02-555-0100"),
    "38_iphone_korean_reply.eml": dict(
        subject="Re: [#1042] 배송 주소 확인", sender=("한지민", "jimin.han@example.com"), text="네, 그 주소가 맞습니다.",
        quoted_has=["iPhone에서 보냄", "> 2025. 3. 3. 오전 10:12, 고객센터 <support@desk.example> 작성:",
                    "배송 주소를 확인해 주세요."],
        to=[REPLY_42], in_reply_to=[OUR_42_7], html_has=["그 주소가 맞습니다."], html_not=["작성:", "배송 주소를"]),
    "39_iphone_new_mail_photo.eml": dict(
        subject="파손된 제품 사진", sender=("조현우", "hyunwoo.cho@example.com"), text="파손된 제품 사진 보내드립니다.",
        quoted="iPhone에서 보냄", attachments=[att("IMG_0412.jpeg", "image/jpeg", 91)]),
    "40_samsung_email_reply.eml": dict(
        subject="Re: [#1042] 상담 전화 예약", sender=("오태민", "taemin.oh@example.com"), text="오후 3시 이후에 전화 주세요.",
        quoted_has=["Galaxy S24 Ultra에서 보냄", "-------- 원본 메시지 --------\n발신: 고객센터 <support@desk.example>",
                    "통화 가능한 시간을 알려 주세요."],
        in_reply_to=[OUR_42_7], html_not=["원본 메시지", "통화 가능한"]),
    "41_inline_forward.eml": dict(
        subject="Fwd: 결제 실패 안내", sender=("강수민", "sumin.kang@example.com"),
        text="아래 메일처럼 결제 실패 안내가 왔는데, 카드에서는 돈이 빠져나갔어요.",
        quoted_has=["---------- Forwarded message ---------\nFrom: Pay Service <noreply@pay.example>",
                    "결제가 실패했습니다. 다시 시도해 주세요."]),
    "42_auto_reply.eml": dict(
        subject="[자동응답] 문의 접수 안내", sender=("한국상사", "help@partner.example"),
        text="문의가 접수되었습니다. 영업일 기준 2일 이내에 답변드리겠습니다.", quoted="", in_reply_to=[OUR_42_7],
        headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes", "Return-Path": "<>"}),
    "43_out_of_office_precedence_bulk.eml": dict(
        subject="부재중: Re: [문의]", sender=("Yoo Jaesuk", "jaesuk.yoo@corp.example"),
        text="3월 10일까지 휴가입니다. 급한 일은 02-555-0101로 연락 주세요.", quoted="",
        headers={"Precedence": "bulk"}, headers_absent=["Auto-Submitted", "X-Autoreply", "List-Id"]),
    "44_mailing_list.eml": dict(
        subject="[community] Weekly digest, Vol 12, Issue 9", sender=("Community Digest", "digest@lists.example.org"),
        text="Today's topics: 1. Release notes 2. Meetup", quoted="", to=["community@lists.example.org"],
        headers={"List-Id": "Community discussion <community.lists.example.org>", "Precedence": "list"},
        html="<p>Today's topics: 1. Release notes 2. Meetup</p>"),  # the AMP alternative is not shown
    "45_dsn_postfix_rfc822_headers.eml": dict(
        subject="Undelivered Mail Returned to Sender", sender=("Mail Delivery System", "MAILER-DAEMON@mx.example.net"),
        text="This is the mail system at host mx.example.net.\n\nI'm sorry to have to inform you that your "
             "message could not\nbe delivered to one or more recipients. It's attached below.\n\n"
             "<nobody@example.net>: host mail.example.net[198.51.100.7] said: 550 5.1.1\n    <nobody@example.net>: "
             "Recipient address rejected: User unknown in virtual\n    mailbox table (in reply to RCPT TO command)",
        quoted="", to=[BOUNCES_130], headers={"Auto-Submitted": "auto-replied", "Return-Path": "<>"},
        report_type="delivery-status",
        bounce=dict(original_message_ids=[OUR_57_130], recipients=["nobody@example.net"], status="5.1.1",
                    action="failed", diagnostic="smtp; 550 5.1.1 <nobody@example.net>: Recipient address rejected: "
                                                "User unknown in virtual mailbox table"),
        attachments=[att("attachment.txt", "text/rfc822-headers", 241)]),
    "46_dsn_exchange_message_rfc822.eml": dict(
        subject="Undeliverable: [#1057] Your question", sender=("Microsoft Outlook", "postmaster@corp.example"),
        text="Your message to gone@corp.example couldn't be delivered.\ngone wasn't found at corp.example.",
        to=[BOUNCES_130], in_reply_to=[OUR_57_130], report_type="delivery-status",
        bounce=dict(original_message_ids=[OUR_57_130], recipients=["gone@corp.example"], status="5.1.10",
                    action="failed", diagnostic="smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not "
                                                "found by SMTP address lookup"),
        attachments=[att("[#1057] Your question.eml", "message/rfc822", 299)]),
    "47_dsn_delayed.eml": dict(
        subject="Delayed Mail (still being retried)",
        sender=("Mail Delivery System", "MAILER-DAEMON@relay.example.net"),
        text="This is the mail system at host relay.example.net.\nYour message could not be delivered for 4.0 "
             "hours. It will be retried until it is 5.0 days old.",
        quoted="", to=[BOUNCES_130], report_type="delivery-status",
        bounce=dict(original_message_ids=[OUR_57_130], recipients=["slow@example.org"], status="4.4.1",
                    action="delayed", diagnostic="X-Postfix; connect to mx.example.org[203.0.113.9]:25: Connection "
                                                 "timed out"),
        attachments=[att("attachment.txt", "text/rfc822-headers", 132)]),
    "48_gmail_style_bounce.eml": dict(
        subject="Delivery Status Notification (Failure)",
        sender=("Mail Delivery Subsystem", "mailer-daemon@googlemail.example"), to=[BOUNCES_130],
        headers={"X-Failed-Recipients": "no.such.user@gmail.example", "Auto-Submitted": "auto-replied"},
        quoted_has=["----- Original message -----", f"Message-ID: <{OUR_57_130}>"], report_type=None,
        bounce=dict(original_message_ids=[OUR_57_130], recipients=["no.such.user@gmail.example"], status="5.1.1",
                    action="failed", diagnostic="550 5.1.1 The email account that you tried to reach does not "
                                                "exist. ab12si3456789wrb.123 - gsmtp")),
    "49_read_receipt_mdn.eml": dict(
        subject="Read: [#1042] Two active subscriptions", sender=("Alex Turner", "alex.turner@example.com"),
        text="Your message was read on Monday, March 3, 2025 2:30:00 AM (UTC).", quoted="",
        report_type="disposition-notification", bounce=None, attachments=[]),
    "50_dmarc_fail.eml": dict(
        subject="Urgent: verify your account", sender=("Bank Security", "ceo@bank.example"),
        text="Please wire the refund to account 000-111-222 today.", quoted=""),
    "51_no_message_id.eml": dict(
        subject="no message id", sender=("Jang Mira", "mira.jang@example.com"), text="My coupon code does not work.",
        quoted="", message_id=None),
    "52_no_from.eml": dict(
        subject="nightly export failed", sender=(None, None), text="export.sh exited with status 2", quoted="",
        message_id="cron-20250304@batch.example.com"),
    "53_odd_headers.eml": dict(
        subject="first subject wins", sender=("Oh Seungmin", "seungmin.oh@example.com"), text="Body after odd headers.",
        quoted="", to=SUPPORT, cc=["manager@example.com"], message_id="odd-1@example.com",
        date="2025-03-05T01:00:00+00:00", defects_has=["MalformedHeaderLineDropped x1"]),
    "54_xss_html.eml": dict(
        subject="<script>alert('subject')</script>", sender=("Attacker", "attacker@evil.example"),
        text="Please look at my order.\n\nclick\nclick2\nstyled", quoted="",
        html_has=["<script>alert(document.cookie)</script>", 'onerror="alert(\'img\')"', "javascript:alert('link')",
                  "expression(alert('div'))", "<svg onload=", "data:text/html;base64"]),
    "55_long_line_1mb.eml": dict(subject="long line", sender=("Flood Test", "flood@example.com"), quoted=""),
    "56_300_parts.eml": dict(subject="300 parts", sender=("Many Parts", "parts@example.com"),
                             text="See the 300 attached notes.", quoted=""),
    "57_emoji_subject.eml": dict(
        subject="🎉 이벤트 당첨 문의 👨\u200d👩\u200d👧", sender=("😀 Happy Customer", "happy@example.com"),
        text="이벤트 당첨됐는데 경품이 안 왔어요 😢👍🏽 👨\u200d👩\u200d👧", quoted=""),
    "58_gmail_inline_cid_image.eml": dict(
        subject="오류 화면", sender=("Kim Yuna", "yuna.kim@example.com"), text="화면에 이렇게 나옵니다:\n[image: image.png]",
        quoted="", html_has=['src="cid:ii_m7x1y2z30"', 'src="cid:ii_missing0000"'],
        attachments=[att("image.png", "image/png", PNG, "ii_m7x1y2z30", inline=True)]),
    "59_us_ascii_smart_quotes.eml": dict(
        subject="Can't log in", sender=("Tom Baker", "tom.baker@example.com"),
        text="I can’t log in – it says “invalid token”…", quoted="", charsets=["cp1252"]),
    "60_rfc2231_mixed_params.eml": dict(
        subject="ERP export", sender=("Broken Generator", "app@erp.example"), text="Export attached.", quoted="",
        attachments=[att("export.csv", "text/csv", 14)]),
    "61_outlook_meeting_request.eml": dict(
        subject="Onboarding call", sender=("Alex Turner", "alex.turner@example.com"),
        text="Let's do a short onboarding call on Friday.", quoted="",
        attachments=[att("attachment.ics", "text/calendar", 255)]),
    "62_lost_content_type.eml": dict(
        subject="lost content type", sender=("Lost Header", "lost@example.com"), text="첨부 파일 확인 부탁드립니다.",
        quoted="", attachments=[att("form.pdf", "application/pdf", PDF)], defects_has=["BoundaryRecovered"]),
}
