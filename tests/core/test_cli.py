"""The command line: init-db (migrations, demo data), create-user with a token."""
from __future__ import annotations

import subprocess
import sys

from sqlalchemy import create_engine, func, select, text

from desk.extensions import db
from desk.models import Agent, Ticket
from desk.services import auth
from tests.live import ROOT, desk_env, free_port


def run_cli(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desk", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_init_db_on_a_fresh_instance_creates_schema_and_demo(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = desk_env(url, tmp_path / "instance", free_port())
    result = run_cli(env, "init-db", "--demo")
    assert result.returncode == 0, result.stderr
    assert "admin@desk.localhost" in result.stdout
    engine = create_engine(url)
    with engine.connect() as conn:
        from alembic.script import ScriptDirectory
        from desk.migrate import alembic_config

        head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        tickets = conn.execute(text("SELECT count(*) FROM ticket")).scalar()
        channels = {row[0] for row in conn.execute(text("SELECT DISTINCT channel FROM interaction"))}
        korean = conn.execute(text("SELECT count(*) FROM customer WHERE name GLOB '*[가-힣]*'")).scalar()
        customers = conn.execute(text("SELECT count(*) FROM customer")).scalar()
    assert customers == 200 and korean > 100 and tickets > 250
    assert {"email", "chat", "sms", "voice", "callback", "web", "note"} <= channels
    again = run_cli(env, "init-db", "--demo")  # idempotent: no second copy
    assert again.returncode == 0 and "skipped" in again.stdout
    engine.dispose()


def test_create_user_prints_a_working_token(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--email", "Ops@Desk.Test", "--role", "admin",
                                 "--password", "a long password", "--print-token"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert auth.agent_for_token(token).email == "ops@desk.test"
    assert auth.authenticate("ops@desk.test", "a long password").role == "admin"

    duplicate = runner.invoke(args=["create-user", "--email", "ops@desk.test", "--role", "agent"])
    assert duplicate.exit_code != 0 and "exists already" in duplicate.output
    weak = runner.invoke(args=["create-user", "--email", "w@desk.test", "--password", "short"])
    assert weak.exit_code != 0 and "at least 10" in weak.output
    assert db.session.scalar(select(func.count()).select_from(Agent)) == 1
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
