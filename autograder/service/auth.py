"""Who is asking: a Bearer token (API) or the session cookie (pages); CSRF tokens for forms.

The API reads only the Authorization header and the pages only the cookie, so a page in another
site can never make the browser act through the API, and every form post carries a CSRF token
bound to the session (an HMAC of it with the server's key) on top of SameSite=strict.
"""

from __future__ import annotations

import hashlib
import hmac

from autograder.messages import service as said
from autograder.service.store import INSTRUCTOR, STUDENT, Holder, Store
from autograder.service.upload import Refusal

COOKIE = "autograder_sesion"
COOKIE_DAYS = 180


def bearer(request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _holder(store: Store, token: str, challenge: dict) -> Holder:
    if not token:
        raise Refusal(401, said.NO_TOKEN, challenge)
    holder = store.holder(token)
    if holder is None:
        raise Refusal(401, said.BAD_TOKEN, challenge)
    return holder


def api_holder(store: Store, request) -> Holder:
    return _holder(store, bearer(request), {"WWW-Authenticate": 'Bearer realm="autograder"'})


def page_holder(store: Store, request) -> Holder:
    return _holder(store, request.cookies.get(COOKIE, ""), {})


def require(holder: Holder, role: str) -> Holder:
    if holder.role != role:
        raise Refusal(403, said.NOT_INSTRUCTOR if role == INSTRUCTOR else said.NOT_STUDENT)
    return holder


def student(holder: Holder) -> Holder:
    return require(holder, STUDENT)


def csrf_token(secret: bytes, session: str) -> str:
    return hmac.new(secret, b"csrf\0" + session.encode(), hashlib.sha256).hexdigest()


def check_csrf(secret: bytes, request, sent: str) -> None:
    expected = csrf_token(secret, request.cookies.get(COOKIE, ""))
    if not sent or not hmac.compare_digest(expected, sent):
        raise Refusal(403, said.CSRF)


def set_session(response, request, token: str) -> None:
    response.set_cookie(COOKIE, token, max_age=COOKIE_DAYS * 86400, path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
