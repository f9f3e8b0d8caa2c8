from flask import redirect

from desk.console import bp


@bp.get("/")
def index():
    return redirect("/login")


@bp.get("/login")
def login():
    return "login"
