"""Demo articles: five categories and a few dozen Korean and English articles (some of them
translations of each other), written through the real service so revisions and the index follow."""
from __future__ import annotations

from sqlalchemy import func, select

from desk.extensions import db
from desk.models import Agent, KbArticle
from knowledge import articles

CATEGORIES = [
    ("orders", "주문·배송", "Orders & delivery", "inbox", "주문 확인, 배송 조회, 배송지 변경", "Tracking, delivery times, changing the address"),
    ("billing", "결제·환불", "Payments & refunds", "tag", "결제 수단, 환불, 영수증", "Payment methods, refunds, receipts"),
    ("returns", "교환·반품", "Returns & exchanges", "refresh", "교환과 반품 신청, 반품 배송비", "Returning or exchanging an item"),
    ("account", "계정·로그인", "Account & sign-in", "lock", "로그인, 비밀번호, 회원 정보", "Signing in, passwords, your details"),
    ("app", "앱·기술 지원", "App & technical help", "chat", "앱 설치, 오류, 알림 설정", "Installing the app, errors, notifications"),
]

# (key, category, locale, title, tags, body, translation of key)
ARTICLES = [
    ("refund-ko", "billing", "ko", "환불은 언제 받을 수 있나요?", ["환불", "카드취소"],
     "반품 상품이 물류센터에 도착해 검수가 끝나면 **영업일 기준 1~3일 안에** 환불이 진행됩니다.\n\n"
     "| 결제 수단 | 환불 시점 |\n|---|---|\n| 신용카드 | 카드사 사정에 따라 3~7일 |\n| 계좌이체 | 1~2일 |\n"
     "| 포인트 | 즉시 |\n\n환불이 늦어지면 주문번호와 함께 [문의하기](/help/ko/contact)로 알려주세요.", None),
    ("refund-en", "billing", "en", "When will I get my refund?", ["refund"],
     "Once the returned item reaches our warehouse and passes inspection, we issue the refund **within "
     "1–3 business days**.\n\n- Credit cards: 3–7 days, depending on your card company\n- Bank transfer: 1–2 days\n"
     "- Points: immediately\n\nStill waiting? [Contact us](/help/en/contact) with your order number.", "refund-ko"),
    ("shipping-fee-ko", "billing", "ko", "배송비는 얼마인가요?", ["배송비", "무료배송"],
     "주문 금액이 **5만원 이상이면 무료배송**입니다. 5만원 미만 주문의 배송비는 3,000원이며, 제주·도서산간 지역은 "
     "3,000원이 추가됩니다.\n\n쿠폰 할인 후 금액이 5만원 미만이 되면 배송비가 부과될 수 있습니다.", None),
    ("shipping-fee-en", "billing", "en", "How much is shipping?", ["shipping", "delivery fee"],
     "Orders of **50,000 won or more ship free**. Below that, shipping costs 3,000 won; Jeju and remote islands "
     "add 3,000 won.\n\nIf a coupon brings the total under 50,000 won, the shipping fee applies.", "shipping-fee-ko"),
    ("double-charge-ko", "billing", "ko", "카드 결제가 두 번 되었어요", ["중복결제", "카드"],
     "결제 중 화면이 멈춰 버튼을 다시 누르면 승인 문자가 두 번 올 수 있습니다. 실제 주문이 한 건이라면 "
     "**중복 승인은 자동으로 취소**되며, 카드사에 따라 취소 반영까지 3~5일이 걸립니다.\n\n"
     "마이페이지 > 주문내역에 주문이 두 건 있다면 한 건을 직접 취소해 주세요.", None),
    ("receipt-ko", "billing", "ko", "현금영수증·세금계산서 발급 방법", ["영수증", "세금계산서", "현금영수증"],
     "결제 완료 후 **마이페이지 > 주문내역 > 영수증 조회**에서 카드 영수증과 현금영수증을 출력할 수 있습니다.\n\n"
     "세금계산서는 사업자 정보를 입력한 뒤 주문 다음 달 10일까지 신청해 주세요.", None),
    ("payment-methods-ko", "billing", "ko", "사용할 수 있는 결제 수단", ["결제", "카카오페이", "네이버페이"],
     "신용카드, 체크카드, 계좌이체, 무통장입금, 카카오페이, 네이버페이, 토스페이를 사용할 수 있습니다. "
     "5만원 이상 카드 결제는 2~6개월 **무이자 할부**가 가능합니다.", None),
    ("tracking-ko", "orders", "ko", "주문한 상품은 언제 도착하나요?", ["배송조회", "택배"],
     "오후 2시 이전 결제 완료된 주문은 **당일 출고**되며 보통 다음 날 도착합니다. 출고 후 카카오톡과 문자로 "
     "운송장 번호를 보내드립니다.\n\n배송 조회는 마이페이지 > 주문내역에서 할 수 있습니다. 주말과 공휴일에는 "
     "출고하지 않습니다.", None),
    ("tracking-en", "orders", "en", "Where is my order?", ["tracking", "delivery"],
     "Orders paid **before 2 pm ship the same day** and usually arrive the next day. When your parcel leaves "
     "our warehouse we send the tracking number by text.\n\nTrack it under My page > Orders. We do not ship on "
     "weekends and public holidays.", "tracking-ko"),
    ("address-change-ko", "orders", "ko", "배송지를 변경하고 싶어요", ["배송지", "주소변경"],
     "**출고 전**이라면 마이페이지 > 주문내역 > 배송지 변경에서 직접 바꿀 수 있습니다. 이미 출고된 주문은 "
     "택배사 고객센터(1588-1255)에 요청해 주세요.", None),
    ("address-change-en", "orders", "en", "Can I change the delivery address?", ["address"],
     "Yes, **until the order ships**: My page > Orders > Change address. Once it has shipped, please call the "
     "courier (1588-1255) to redirect it.", "address-change-ko"),
    ("delay-ko", "orders", "ko", "배송이 지연되고 있어요", ["배송지연"],
     "명절이나 대형 할인 기간에는 택배 물량이 많아 배송이 1~2일 늦어질 수 있습니다. 출고 후 3일이 지나도 "
     "배송 조회가 바뀌지 않으면 문의해 주세요. 확인 후 재발송해 드립니다.", None),
    ("overseas-ko", "orders", "ko", "해외배송이 가능한가요?", ["해외배송", "관세"],
     "미국, 일본, 중국, 베트남 등 20개국으로 배송합니다. 해외배송비는 무게에 따라 결제 단계에서 계산되며, "
     "**관세와 부가세는 받는 분이 부담**합니다.", None),
    ("return-ko", "returns", "ko", "반품은 어떻게 신청하나요?", ["반품", "반품신청"],
     "상품을 받은 날부터 **7일 이내**에 마이페이지 > 주문내역 > 반품 신청을 눌러 주세요. 택배 기사님이 "
     "2~3일 안에 방문 회수합니다.\n\n단순 변심 반품은 왕복 배송비 6,000원이 환불 금액에서 차감됩니다.", None),
    ("return-en", "returns", "en", "How do I return an item?", ["return"],
     "Within **7 days of delivery**, go to My page > Orders > Return. A courier collects the parcel within "
     "2–3 days.\n\nIf you simply changed your mind, the 6,000 won round-trip shipping is deducted from the refund.",
     "return-ko"),
    ("exchange-ko", "returns", "ko", "사이즈 교환 방법", ["교환", "사이즈"],
     "교환은 같은 상품의 다른 사이즈나 색상으로만 가능합니다. 교환 신청 후 기존 상품이 회수되면 새 상품을 "
     "보내드립니다. 재고가 없으면 환불로 처리됩니다.", None),
    ("damaged-ko", "returns", "ko", "파손되거나 불량인 상품을 받았어요", ["파손", "불량"],
     "받은 날부터 30일 안에 사진을 첨부해 문의해 주세요. **파손·불량 상품은 배송비 없이** 교환 또는 환불해 "
     "드립니다.", None),
    ("damaged-en", "returns", "en", "My item arrived damaged", ["damaged", "defect"],
     "Send us a photo within 30 days of delivery. We exchange or refund **damaged or faulty items free of "
     "charge**, shipping included.", "damaged-ko"),
    ("password-ko", "account", "ko", "비밀번호를 잊어버렸어요", ["비밀번호", "로그인"],
     "로그인 화면에서 **비밀번호 찾기**를 누르고 가입한 이메일을 입력하면 재설정 링크를 보내드립니다. "
     "메일이 오지 않으면 스팸함을 확인해 주세요. 링크는 30분 동안 유효합니다.", None),
    ("password-en", "account", "en", "I forgot my password", ["password", "sign in"],
     "On the sign-in page choose **Forgot password** and enter the email you registered with. The reset "
     "link is valid for 30 minutes; check your spam folder if it does not arrive.", "password-ko"),
    ("withdraw-ko", "account", "ko", "회원 탈퇴는 어떻게 하나요?", ["탈퇴", "개인정보"],
     "마이페이지 > 회원정보 > 회원 탈퇴에서 진행할 수 있습니다. 진행 중인 주문이 있으면 완료된 뒤 탈퇴할 수 "
     "있으며, 적립금과 쿠폰은 소멸됩니다.", None),
    ("membership-ko", "account", "ko", "회원 등급과 혜택", ["등급", "VIP", "적립금"],
     "최근 6개월 구매 금액에 따라 매월 1일 등급이 정해집니다.\n\n- 일반: 구매 금액의 1% 적립\n"
     "- 골드(30만원 이상): 3% 적립, 무료배송 쿠폰 2장\n- VIP(100만원 이상): 5% 적립, 생일 쿠폰", None),
    ("membership-en", "account", "en", "Membership levels and benefits", ["membership", "points"],
     "Your level is set on the 1st of each month from what you bought in the last six months.\n\n"
     "- Basic: 1% back in points\n- Gold (300,000 won+): 3% and two free-shipping coupons\n"
     "- VIP (1,000,000 won+): 5% and a birthday coupon", "membership-ko"),
    ("app-login-ko", "app", "ko", "앱에서 로그인이 안 돼요", ["앱", "로그인오류"],
     "앱을 최신 버전으로 업데이트한 뒤 다시 시도해 주세요. 그래도 안 되면 앱 설정 > 저장공간 > 캐시 삭제 후 "
     "다시 로그인해 주세요. 카카오 로그인 사용자는 카카오톡이 최신 버전인지도 확인해 주세요.", None),
    ("app-login-en", "app", "en", "I can't sign in to the app", ["app", "login error"],
     "Update the app to the latest version and try again. If it still fails, clear the app's cache "
     "(Settings > Storage) and sign in again.", "app-login-ko"),
    ("notifications-ko", "app", "ko", "알림이 오지 않아요", ["알림", "푸시"],
     "휴대폰 설정 > 알림에서 앱 알림이 켜져 있는지, 앱의 마이페이지 > 알림 설정에서 주문·배송 알림이 켜져 "
     "있는지 확인해 주세요.", None),
    ("hours-ko", "app", "ko", "고객센터 운영시간", ["운영시간", "상담"],
     "평일 오전 9시부터 오후 6시까지(점심 12~1시) 전화와 채팅 상담을 합니다. 주말과 공휴일에는 문의를 남겨 "
     "주시면 다음 영업일에 답변드립니다.", None),
    ("hours-en", "app", "en", "Customer service hours", ["hours", "contact"],
     "Phone and chat: weekdays 9 am – 6 pm KST (lunch 12–1). On weekends and public holidays leave a "
     "message and we answer on the next business day.", "hours-ko"),
    ("coupon-ko", "billing", "ko", "쿠폰이 적용되지 않아요", ["쿠폰", "할인"],
     "쿠폰마다 최소 주문 금액과 사용 기한, 적용 상품이 다릅니다. 마이페이지 > 쿠폰함에서 조건을 확인해 "
     "주세요. 할인 상품에는 중복 적용되지 않는 쿠폰도 있습니다.", None),
    ("gift-wrap-en", "orders", "en", "Do you offer gift wrapping?", ["gift", "wrapping"],
     "Yes: tick **Gift wrap** at checkout (2,000 won). We leave the price tag and receipt out of gift parcels.",
     None),
]


def seed(author: Agent | None = None) -> int:
    """Load the demo categories and articles into a knowledge base that has none."""
    if db.session.scalar(select(func.count()).select_from(KbArticle)):
        return 0
    author = author or db.session.scalar(select(Agent).where(Agent.role == "admin").order_by(Agent.id))
    if author is None:
        return 0
    for position, (slug, ko, en, icon, desc_ko, desc_en) in enumerate(CATEGORIES):
        articles.save_category(slug=slug, name_ko=ko, name_en=en, icon=icon, position=position,
                               description_ko=desc_ko, description_en=desc_en)
    ids: dict[str, int] = {}
    for key, category, locale, title, tags, body, translation_of in ARTICLES:
        data = {"title": title, "body": body, "locale": locale, "status": "published", "category": category,
                "tags": tags}
        if translation_of:
            data["translation_of"] = ids[translation_of]
        ids[key] = articles.create(data, actor=author).id
    return len(ids)
