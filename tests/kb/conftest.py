"""Knowledge-base fixtures: the demo articles (a fixed Korean + English corpus) written through
the real service, so the index is built from the database the way production builds it."""
from __future__ import annotations

import pytest

from knowledge import demo


@pytest.fixture
def corpus(app, staff):
    """The demo categories and 30 published articles; returns {key: article id}."""
    demo.seed(staff["admin"])
    from sqlalchemy import select

    from desk.extensions import db
    from desk.models import KbArticle

    by_title = {a.title: a.id for a in db.session.scalars(select(KbArticle))}
    return {key: by_title[title] for key, _c, _l, title, *_ in demo.ARTICLES}


@pytest.fixture
def staff(make):
    """As the shared fixture, without passwords (argon2 hashing would be most of each test's time)."""
    from desk.services import auth

    make.queue("general", "일반 문의", default=True)
    return {"agent": auth.create_agent("agent@desk.test", role="agent", queues=["general"]),
            "supervisor": auth.create_agent("supervisor@desk.test", role="supervisor"),
            "admin": auth.create_agent("admin@desk.test", role="admin")}
