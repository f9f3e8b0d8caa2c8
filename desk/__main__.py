"""``python -m desk <command>``: serve, web, worker, and every ``flask --app desk`` command."""
from __future__ import annotations

import sys


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "serve"
    if command == "web":
        from desk.runner import run_web  # patches with gevent before anything else is imported

        run_web()
        return 0
    if command == "serve":
        import logging

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        from desk.runner import serve

        return serve()
    from flask.cli import FlaskGroup

    from desk import create_app

    group = FlaskGroup(create_app=lambda: create_app(role="cli"), add_default_commands=False)
    return group.main(args=sys.argv[1:], prog_name="python -m desk")


if __name__ == "__main__":
    sys.exit(main())
