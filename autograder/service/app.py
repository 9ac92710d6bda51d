"""The Starlette application: the JSON API, the students' and the instructor's pages.

Every route but the health check and the API description needs a token (API: Bearer header;
pages: the cookie set by a personal link). Refusals are `Refusal`s, answered as JSON under /api
and as a Spanish page elsewhere; anything unexpected is logged with its traceback and answered
with one generic sentence.
"""

from __future__ import annotations

import contextlib
import time
import traceback

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Route

from autograder.messages import service as said
from autograder.service import auth, pages, views
from autograder.service.logs import log
from autograder.service.openapi import OPENAPI
from autograder.service.store import INSTRUCTOR, STUDENT
from autograder.service.submissions import Service, accept, describe, own_submission
from autograder.service.upload import BodyLimit, Refusal, TooLarge, read_form, too_large

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'none'; style-src 'unsafe-inline'; "
                                 b"img-src 'self'; form-action 'self'; frame-ancestors 'none'"),
]
OURS = {name for name, _ in SECURITY_HEADERS}


def create_app(service: Service):
    async def health(request):
        # "grader": whether the owner process is up and grading ("starting" while it imports
        # the engine after a start or a restart; uploads are accepted meanwhile)
        ready = service.grader is not None and service.grader.ready()
        return JSONResponse({"status": "ok", "grader": "ready" if ready else "starting"})

    async def openapi(request):
        return JSONResponse(OPENAPI)

    # API --------------------------------------------------------------------------------------

    async def api_submit(request):
        holder = auth.student(auth.api_holder(service.store, request))
        assignment, filename, data, _ = await read_form(request, service.max_upload)
        # SQLite, fsync and the gradebook's sources off the event loop: other uploads go on
        submission = await run_in_threadpool(accept, service, holder, assignment, filename, data)
        body = await run_in_threadpool(describe, service, submission, holder)
        return JSONResponse(body, status_code=202,
                            headers={"Location": f"/api/submissions/{submission.id}"})

    def api_list(request):  # plain functions: Starlette runs them in its thread pool
        holder = auth.api_holder(service.store, request)
        if holder.role == INSTRUCTOR:
            chosen = service.store.all(request.query_params.get("assignment") or None)
        else:
            chosen = service.store.of_student(holder.who)
        return JSONResponse({"submissions": [describe(service, s, holder) for s in chosen]})

    def api_one(request):
        holder = auth.api_holder(service.store, request)
        submission = own_submission(service, holder, request.path_params["id"])
        return JSONResponse(describe(service, submission, holder))

    # Pages ------------------------------------------------------------------------------------

    def enter(role: str, target: str):
        async def handler(request):
            holder = service.store.holder(request.path_params["token"])
            if holder is None or holder.role != role:
                raise Refusal(401, said.BAD_TOKEN)
            response = HTMLResponse(pages.page(pages.ENTER, title="Entrando", target=target,
                                               refresh=f"0;url={target}"))
            auth.set_session(response, request, request.path_params["token"])
            return response
        return handler

    async def home(request):
        holder = service.store.holder(request.cookies.get(auth.COOKIE, ""))
        if holder is None:
            raise Refusal(401, said.NO_TOKEN)
        return RedirectResponse("/profesor" if holder.role == INSTRUCTOR else "/estudiante",
                                status_code=303)

    def student_page(request):
        holder = auth.student(auth.page_holder(service.store, request))
        accepted = service.store.get(request.query_params.get("entrega", "")[:64])
        if accepted is not None and accepted.student != holder.who:
            accepted = None
        return HTMLResponse(views.student_page(service, holder, request, accepted=accepted))

    async def student_upload(request):
        holder = auth.student(auth.page_holder(service.store, request))
        try:
            assignment, filename, data, csrf = await read_form(request, service.max_upload)
            auth.check_csrf(service.secret, request, csrf)
            submission = await run_in_threadpool(accept, service, holder, assignment,
                                                 filename, data)
        except Refusal as refusal:
            body = await run_in_threadpool(views.student_page, service, holder, request,
                                           error=refusal.message)
            return HTMLResponse(body, status_code=refusal.status, headers=refusal.headers)
        return RedirectResponse(f"/estudiante?entrega={submission.id}", status_code=303)

    def student_feedback(request):
        holder = auth.student(auth.page_holder(service.store, request))
        submission = own_submission(service, holder, request.path_params["id"])
        return HTMLResponse(views.feedback_page(service, submission, holder))

    def dashboard(request):
        auth.require(auth.page_holder(service.store, request), INSTRUCTOR)
        return HTMLResponse(views.dashboard(service))

    async def class_report(request):
        auth.require(auth.page_holder(service.store, request), INSTRUCTOR)
        root = (service.course.root / "report").resolve()
        target = (root / request.path_params["path"]).resolve()
        if root not in target.parents or not target.is_file():
            raise Refusal(404, said.NOT_FOUND)
        return FileResponse(target)

    routes = [
        Route("/api/health", health),
        Route("/api/openapi.json", openapi),
        Route("/api/submissions", api_submit, methods=["POST"]),
        Route("/api/submissions", api_list, methods=["GET"]),
        Route("/api/submissions/{id}", api_one),
        Route("/e/{token}", enter(STUDENT, "/estudiante")),
        Route("/p/{token}", enter(INSTRUCTOR, "/profesor")),
        Route("/", home),
        Route("/estudiante", student_page),
        Route("/estudiante/entregas", student_upload, methods=["POST"]),
        Route("/estudiante/entregas/{id}", student_feedback),
        Route("/profesor", dashboard),
        Route("/profesor/informe/{path:path}", class_report),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if service.grader is not None:
            service.grader.start()
        log("started", course=str(service.course.root), max_upload=service.max_upload)
        try:
            yield
        finally:
            if service.grader is not None:
                service.grader.stop()
            log("stopped")

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        Refusal: _refused, TooLarge: lambda request, error: _refused(
            request, too_large(service.max_upload)),
        HTTPException: _http_error, Exception: _internal_error,
    })
    return Guard(BodyLimit(app, service.max_upload))


def _wants_json(request) -> bool:
    return request.url.path.startswith("/api/")


def _refused(request, refusal: Refusal):
    if _wants_json(request):
        return JSONResponse({"error": refusal.message, **refusal.extra},
                            status_code=refusal.status, headers=refusal.headers)
    body = pages.page(pages.MESSAGE, title="No se puede", message=refusal.message)
    return HTMLResponse(body, status_code=refusal.status, headers=refusal.headers)


def _http_error(request, error: HTTPException):
    message = said.NOT_FOUND if error.status_code == 404 else said.BAD_FORM
    if error.status_code == 405:
        message = "Ese método no se admite en esta dirección."
    return _refused(request, Refusal(error.status_code, message))


def _internal_error(request, error: Exception):
    log("internal_error", path=_logged_path(request.url.path),
        error=f"{type(error).__name__}: {error}", traceback=traceback.format_exc(limit=8))
    return _refused(request, Refusal(500, said.INTERNAL))


def _logged_path(path: str) -> str:
    """The path without a token in it."""
    for prefix in ("/e/", "/p/"):
        if path.startswith(prefix):
            return prefix + "…"
    return path[:200]


class Guard:
    """Security headers on every answer, and one log line per request (without tokens)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.monotonic()
        status = {}

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [
                    *[(k, v) for k, v in message.get("headers", []) if k.lower() not in OURS],
                    *SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            log("request", method=scope["method"], path=_logged_path(scope["path"]),
                status=status.get("code"), ms=round((time.monotonic() - started) * 1000, 1))
