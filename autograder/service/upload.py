"""Reading an upload: capped while the bytes arrive, then checked before anything is stored.

`BodyLimit` (ASGI middleware) counts every request's body as uvicorn hands it over and stops
reading past the route's cap, so an oversized upload costs at most the cap in memory and disk;
a declared Content-Length over the cap is refused before one byte of the body is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.formparsers import MultiPartException

from autograder.messages import service as said

FORM_OVERHEAD = 64 * 1024  # multipart boundaries, headers and the small fields
SMALL_BODY = 64 * 1024  # every request that is not an upload


class TooLarge(Exception):
    pass


@dataclass
class Refusal(Exception):
    status: int
    message: str
    headers: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # more JSON fields (the rate limit's next time)


def is_upload(path: str) -> bool:
    return path in ("/api/submissions", "/estudiante/entregas")


class BodyLimit:
    def __init__(self, app, max_upload: int):
        self.app = app
        self.max_upload = max_upload

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = (self.max_upload + FORM_OVERHEAD) if is_upload(scope["path"]) else SMALL_BODY
        scope.setdefault("state", {})["body_limit"] = limit
        received = 0

        async def counted():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise TooLarge()
            return message

        await self.app(scope, counted, send)


def too_large(max_upload: int) -> Refusal:
    return Refusal(413, said.TOO_LARGE.format(megabytes=max_upload / 1024 / 1024))


async def read_form(request, max_upload: int) -> tuple[str, str, bytes, str]:
    """(assignment, file name, bytes, csrf) of a multipart upload, or a Refusal."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_upload + FORM_OVERHEAD:
        raise too_large(max_upload)
    try:
        form = await request.form(max_files=1, max_fields=4, max_part_size=64 * 1024)
    except TooLarge:
        raise too_large(max_upload) from None
    except (MultiPartException, ValueError, KeyError, UnicodeDecodeError):
        raise Refusal(400, said.BAD_FORM) from None
    try:
        assignment = form.get("assignment")
        upload = form.get("notebook")
        csrf = form.get("csrf")
        if not isinstance(assignment, str) or not assignment.strip():
            raise Refusal(400, said.NO_ASSIGNMENT)
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise Refusal(400, said.NO_FILE)
        data = await upload.read(max_upload + 1)
        if len(data) > max_upload:
            raise too_large(max_upload)
        return assignment.strip(), upload.filename, data, csrf if isinstance(csrf, str) else ""
    finally:
        await form.close()


def check_file_name(name: str, assignment: str) -> None:
    """Only a bare file name: no folders, no '..', no control characters."""
    if ("/" in name or "\\" in name or name in (".", "..") or name.startswith("..")
            or any(ord(ch) < 32 for ch in name) or len(name) > 255):
        raise Refusal(400, said.PATH_IN_NAME.format(name=_shown(name), assignment=assignment))
    if not name.lower().endswith(".ipynb"):
        raise Refusal(400, said.NOT_IPYNB.format(name=_shown(name)))


def _shown(name: str) -> str:
    return "".join(ch if ord(ch) >= 32 else "?" for ch in name)[:120]
