"""Errors that services raise and the web layers turn into 4xx answers."""
from __future__ import annotations


class DeskError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return {"error": body}


class Invalid(DeskError):
    status = 422
    code = "invalid"


class NotFound(DeskError):
    status = 404
    code = "not_found"


class Forbidden(DeskError):
    status = 403
    code = "forbidden"


class Conflict(DeskError):
    status = 409
    code = "conflict"
