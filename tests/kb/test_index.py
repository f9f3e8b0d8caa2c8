"""The index is a cache of the database: updated after each commit, never by a rolled-back
change, rebuilt by ``kb reindex`` (flask and python -m desk), and rebuilt when missing."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from desk.extensions import db
from knowledge import articles, service
from knowledge.index import index_dir
from tests.live import ROOT


def _ids(q: str) -> list[int]:
    return [h.id for h in service.find(q).hits]


def test_changes_reach_the_index_after_commit_and_rollbacks_never_do(app, staff):
    article = articles.create({"title": "정기배송 해지", "body": "구독 해지 방법", "locale": "ko",
                               "status": "published"}, actor=staff["supervisor"])
    assert _ids("정기배송") == [article.id]

    with pytest.raises(RuntimeError):
        with db.write() as session:
            row = articles.get(session, article.id)
            row.status = "archived"
            articles._announce(session, row)
            raise RuntimeError("abandoned")
    assert _ids("정기배송") == [article.id]

    articles.update_article(article.id, {"status": "archived"}, actor=staff["supervisor"])
    assert _ids("정기배송") == []


def test_a_missing_index_is_rebuilt_from_the_database(app, staff):
    article = articles.create({"title": "편의점 픽업", "body": "편의점에서 찾기", "locale": "ko",
                               "status": "published"}, actor=staff["supervisor"])
    assert _ids("편의점") == [article.id]
    service.kb_index().close()
    shutil.rmtree(index_dir(app))
    assert _ids("편의점") == [article.id]


def test_flask_kb_reindex(app, staff):
    articles.create({"title": "사은품 안내", "body": "사은품", "locale": "ko", "status": "published"},
                    actor=staff["supervisor"])
    articles.create({"title": "초안", "body": "사은품", "locale": "ko", "status": "draft"}, actor=staff["supervisor"])
    result = app.test_cli_runner().invoke(args=["kb", "reindex"])
    assert result.exit_code == 0, result.output
    assert "indexed 1 published articles" in result.output
    assert len(_ids("사은품")) == 1


def test_python_m_desk_kb_reindex(app, staff, config):
    articles.create({"title": "사은품 안내", "body": "사은품", "locale": "ko", "status": "published"},
                    actor=staff["supervisor"])
    env = {"PATH": "/usr/bin:/bin", "DESK_INSTANCE_DIR": str(config.INSTANCE_DIR),
           "DESK_DATABASE_URL": app.config["DATABASE_URL"], "DESK_SECRET_KEY": "x" * 20}
    out = subprocess.run([sys.executable, "-m", "desk", "kb", "reindex"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "indexed 1 published articles" in out.stdout


def test_a_searcher_sees_what_another_process_wrote_even_into_an_empty_index(tmp_path):
    from knowledge.index import KbIndex
    from knowledge.search import search

    web = KbIndex(tmp_path / "kb")
    web.create()
    assert search(web, "환불").hits == []  # the web process searched the empty index first
    cli = KbIndex(tmp_path / "kb")  # e.g. `init-db --demo` in another process
    cli.update([{"id": 3, "locale": "ko", "title": "환불 안내", "text": "환불은 3일", "tags": []}])
    web._checked = float("-inf")  # the web process looks again (it does so at most twice a second)
    assert [h.id for h in search(web, "환불").hits] == [3]
