"""A deterministic help-center corpus for the knowledge-base benchmark: English articles from a
Zipf-distributed vocabulary, Korean articles whose nouns carry the particles Korean attaches
(환불은, 환불을, 배송비를), with the nouns of each article recorded so retrieval can be scored."""
from __future__ import annotations

import random

KO_NOUNS = """환불 배송 배송비 주문 결제 카드 취소 교환 반품 상품 포인트 쿠폰 회원 등급 비밀번호 로그인 계정 주소
배송지 영수증 세금계산서 할부 무통장 입금 적립금 장바구니 재고 품절 예약 사전예약 선물 포장 택배 운송장 출고 도착 지연
파손 불량 수선 보증 고객센터 상담 문의 답변 알림 문자 이메일 앱 업데이트 오류 결함 인증 본인인증 휴대폰 번호 변경 탈퇴
개인정보 약관 동의 이벤트 당첨 사은품 할인 정기배송 구독 해지 요금 청구 환율 해외배송 관세 통관 편의점 픽업 매장 영업시간
주말 공휴일 대기 순번 예치금 현금영수증 간편결제 카카오페이 네이버페이 무이자 부분취소 전액 일부 기한 신청서 첨부 사진
영상 사이즈 색상 소재 세탁 보관 유통기한 신선식품 냉장 냉동 설치 기사 방문 일정 수리 부품 충전기 배터리 화면 소음 냄새""".split()
KO_VERBS = ["확인할 수 있습니다", "신청해 주세요", "처리됩니다", "안내해 드립니다", "변경할 수 있습니다", "필요합니다",
            "가능합니다", "불가능합니다", "적용됩니다", "발송됩니다", "조회됩니다", "문의해 주세요", "완료됩니다",
            "제한됩니다", "포함됩니다", "표시됩니다"]
KO_FILLERS = ["고객님께서", "주문 후", "영업일 기준", "최대 3일 안에", "마이페이지에서", "자세한 내용은", "다만", "또한",
              "이 경우", "결제 완료 후"]
EN_WORDS = """order refund delivery shipping fee payment card cancel exchange return item points coupon member
level password login account address receipt invoice installment transfer deposit cart stock sold out preorder
gift wrap courier tracking dispatch arrival delay damage defect repair warranty support center chat answer
notification text email app update error bug verification phone number change delete privacy terms consent
event winner discount subscription charge bill currency overseas customs clearance pickup store hours weekend
holiday queue wallet cash simple pay interest partial full deadline form attachment photo video size colour
material washing storage expiry fresh chilled frozen install technician visit schedule part charger battery
screen noise smell price option voucher balance limit sign security code device browser cookie language region
membership upgrade downgrade trial renewal plan invoice tax vat company business bulk wholesale promotion""".split()
EN_GLUE = "the a to of and in for is on with you your we our can will be it this that by from at as please".split()


def particle(noun: str, kind: str) -> str:
    """The particle of ``kind`` in the form that fits the noun's last syllable."""
    last = ord(noun[-1]) - 0xAC00
    batchim = last % 28 != 0
    forms = {"topic": ("은", "는"), "subject": ("이", "가"), "object": ("을", "를"), "with": ("으로", "로"),
             "and": ("과", "와")}
    if kind in forms:
        return forms[kind][0 if batchim else 1]
    return {"loc": "에서", "of": "의", "also": "도", "only": "만", "to": "에"}[kind]


KINDS = ("topic", "subject", "object", "with", "and", "loc", "of", "also", "only", "to")


def ko_article(rng: random.Random, article_id: int) -> dict:
    topic = rng.sample(KO_NOUNS, 3)
    used = set(topic)
    sentences = []
    for _ in range(rng.randint(5, 12)):
        a = rng.choice(topic) if rng.random() < .6 else rng.choice(KO_NOUNS)
        b = rng.choice(KO_NOUNS)
        used |= {a, b}
        sentences.append(f"{rng.choice(KO_FILLERS)} {a}{particle(a, rng.choice(KINDS))} "
                         f"{b}{particle(b, rng.choice(KINDS))} {rng.choice(KO_VERBS)}.")
    title = f"{topic[0]} {topic[1]} {rng.choice(['안내', '방법', '문의', '정책', '절차'])}"
    return {"id": article_id, "locale": "ko", "title": title, "tags": [topic[2]], "text": " ".join(sentences),
            "nouns": used | {topic[0], topic[1]}}


def en_article(rng: random.Random, article_id: int, weights: list[float]) -> dict:
    """About three topic words (half the text), glue words, and a few words from anywhere in the
    vocabulary (Zipf-weighted): the most common word ends up in about 40% of English articles."""
    topic = rng.sample(EN_WORDS, 3)

    def words(n):
        out = []
        for _ in range(n):
            roll = rng.random()
            out.append(rng.choice(topic) if roll < .30 else rng.choices(EN_WORDS, weights)[0] if roll < .345
                       else rng.choice(EN_GLUE))
        return out

    sentences = [" ".join(words(rng.randint(8, 16))).capitalize() + "." for _ in range(rng.randint(5, 12))]
    title = " ".join(topic[:2] + [rng.choice(["guide", "policy", "help", "questions", "how to"])]).capitalize()
    return {"id": article_id, "locale": "en", "title": title, "tags": [topic[2]], "text": " ".join(sentences)}


def corpus(n: int, korean_share: float = .2, seed: int = 2026) -> list[dict]:
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(EN_WORDS))]  # Zipf-like
    return [ko_article(rng, i) if rng.random() < korean_share else en_article(rng, i, weights)
            for i in range(1, n + 1)]


def queries(n: int, korean_share: float = .2, seed: int = 7) -> list[tuple[str, str]]:
    """(locale, query): English 1-3 words; Korean 1-2 nouns without particles."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(EN_WORDS))]
    out = []
    for _ in range(n):
        if rng.random() < korean_share:
            out.append(("ko", " ".join(rng.sample(KO_NOUNS, rng.choice((1, 1, 2))))))
        else:
            out.append(("en", " ".join(rng.choices(EN_WORDS, weights, k=rng.choice((1, 2, 2, 3))))))
    return out
