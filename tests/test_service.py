"""`autograder serve` over real HTTP: one uvicorn on 127.0.0.1 shared by the module's tests.

Students hand in the tiny assignment's reference, a mutant and a blank notebook; the points
equal `autograder grade`'s on the same files. Every refusal is asked for over HTTP, and no
answer ever carries a traceback.
"""

from __future__ import annotations

import datetime
import json
import re
import select
import shutil
import socket
import time

import httpx
import nbformat
import pytest
from conftest import TinyClass, gradebook_points
from headless_browser import CHROMEDRIVER, CHROMIUM, chromium_driver
from service_helpers import served_course

from autograder.kernel import sandbox

pytestmark = pytest.mark.slow

MUTANT = "def mul(a, b):\n    return a + b"
CAP_MB = 1
answers: list[httpx.Response] = []  # every answer of the module, checked for tracebacks


@pytest.fixture(scope="module")
def served(_released_tiny_course, tmp_path_factory):
    served = served_course(_released_tiny_course, tmp_path_factory.mktemp("served"))
    served.start("--workers", "1", "--max-upload-mb", str(CAP_MB), "--cell-timeout", "10")
    yield served
    code = served.stop()
    log = served.log.read_text(encoding="utf-8")
    assert code == 0, log[-2000:]  # SIGTERM is a clean stop
    assert '"event": "stopped"' in log
    for token in [*served.tokens.values(), served.instructor]:
        assert token not in log  # no token in the log lines
    for answer in answers:
        assert answer.status_code != 500 and "Traceback" not in answer.text, answer.text


@pytest.fixture(scope="module")
def tiny(served):
    return TinyClass(served.course)


def keep(answer: httpx.Response) -> httpx.Response:
    answers.append(answer)
    return answer


def notebook_bytes(nb) -> bytes:
    return nbformat.writes(nb).encode()


def set_policy(served, text: str | None) -> None:
    path = served.course / "service" / "tiny.toml"
    if text is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(text, encoding="utf-8")
        stamp = time.time() + 1  # a new mtime even within the same second
        import os
        os.utime(path, (stamp, stamp))


def toml_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="seconds")


@pytest.fixture(scope="module")
def graded_three(served, tiny, tmp_path_factory):
    """Reference, mutant and blank handed in over HTTP and graded; the same files graded by
    `autograder grade` in a copy of the course."""
    notebooks = {"ana": tiny.complete(), "beto": tiny.complete(mul=MUTANT),
                 "carla": tiny.notebook()}
    ids = {}
    for student, nb in notebooks.items():
        answer = keep(served.submit(student, notebook_bytes(nb)))
        assert answer.status_code == 202, answer.text
        body = answer.json()
        assert body["status"] == "queued" and body["status_url"] == f"/api/submissions/{body['id']}"
        assert answer.headers["location"] == body["status_url"]
        ids[student] = body["id"]
    results = {student: served.wait_graded(student, ids[student]) for student in ids}
    return ids, results, notebooks


def test_students_get_the_points_autograder_grade_gives(served, graded_three,
                                                         _released_tiny_course, tmp_path):
    from autograder.api import grade

    ids, results, notebooks = graded_three
    batch = tmp_path / "batch"
    shutil.copytree(_released_tiny_course, batch)
    for student, nb in notebooks.items():
        TinyClass(batch).submit(student, nb)
    grade(batch, workers=1, show_progress=False)

    expected = gradebook_points(batch, "tiny")
    served_points = gradebook_points(served.course, "tiny")
    for student in notebooks:
        assert served_points[student] == expected[student], student
        automatic = sum(v for v in expected[student].values() if v is not None)
        assert results[student]["points"] == automatic
        assert results[student]["max_points"] == 6
    assert [results[s]["points"] for s in ("ana", "beto", "carla")] == [5, 3, 0]
    failed = {t["test"] for t in results["beto"]["tests"] if t["status"] == "failed"}
    assert failed == {"test_mul"}


def test_feedback_page_and_history_over_the_personal_link(served, graded_three, tiny):
    ids, *_ = graded_three
    with httpx.Client(base_url=served.url, timeout=30) as browser:
        entered = keep(browser.get(f"/e/{served.tokens['beto']}"))
        assert entered.status_code == 200 and 'http-equiv="refresh"' in entered.text
        cookie = entered.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
        page = keep(browser.get("/estudiante"))
        assert page.status_code == 200 and "Entregas de Beto Ruiz" in page.text
        assert ids["beto"] in page.text and "Cuenta la última entrega" in page.text
        feedback = keep(browser.get(f"/estudiante/entregas/{ids['beto']}"))
        assert feedback.status_code == 200 and "test_mul" in feedback.text
        assert tiny.hidden_source not in feedback.text and "HIDDEN" not in feedback.text
        # before the deadline, the numbers a hidden test compares with are not shown
        assert "debe valer 6" not in feedback.text and "debe valer …" in feedback.text
    behind_tls = keep(httpx.get(f"{served.url}/e/{served.tokens['beto']}",
                                headers={"X-Forwarded-Proto": "https"}))
    assert "Secure" in behind_tls.headers["set-cookie"]  # the proxy on 127.0.0.1 is trusted


def test_every_route_refuses_without_a_valid_token(served, graded_three):
    ids, *_ = graded_three
    routes = [("POST", "/api/submissions"), ("GET", "/api/submissions"),
              ("GET", f"/api/submissions/{ids['ana']}")]
    for method, path in routes:
        for headers in ({}, {"Authorization": "Bearer no-es-una-clave"},
                        {"Authorization": f"Basic {served.tokens['ana']}"}):
            answer = keep(httpx.request(method, served.url + path, headers=headers))
            assert answer.status_code == 401, (method, path, answer.text)
            assert answer.headers["www-authenticate"].startswith("Bearer")
            assert "clave" in answer.json()["error"]
    for path in ("/estudiante", f"/estudiante/entregas/{ids['ana']}", "/profesor",
                 "/profesor/informe/index.html", f"/e/{served.instructor}", "/e/x", "/p/x",
                 f"/p/{served.tokens['ana']}"):
        answer = keep(httpx.get(served.url + path))
        assert answer.status_code == 401, path
        assert "<html" in answer.text and "Traceback" not in answer.text
    # a page's cookie is not an API token, and an API token is not a page session
    answer = keep(httpx.get(f"{served.url}/api/submissions",
                            cookies={"autograder_sesion": served.tokens["ana"]}))
    assert answer.status_code == 401
    # the health check needs none, and says the owner process is up (it has graded three)
    assert keep(httpx.get(f"{served.url}/api/health")).json() == {"status": "ok",
                                                                   "grader": "ready"}


def test_student_tokens_are_refused_on_instructor_routes_and_vice_versa(served, graded_three):
    student = {"autograder_sesion": served.tokens["ana"]}
    for path in ("/profesor", "/profesor/informe/index.html"):
        answer = keep(httpx.get(served.url + path, cookies=student))
        assert answer.status_code == 403 and "solo para el profesor" in answer.text
    instructor = {"autograder_sesion": served.instructor}
    dashboard = keep(httpx.get(f"{served.url}/profesor", cookies=instructor))
    assert dashboard.status_code == 200
    for student_id in ("ana", "beto", "carla"):
        assert f"({student_id})" in dashboard.text
    answer = keep(served.submit("profesor", b"{}"))
    assert answer.status_code == 403
    everyone = keep(served.client("profesor").get("/api/submissions")).json()["submissions"]
    assert {s["student"] for s in everyone} >= {"ana", "beto", "carla"}


def test_another_students_submission_is_not_found(served, graded_three):
    ids, *_ = graded_three
    with served.client("beto") as beto:
        theirs = keep(beto.get(f"/api/submissions/{ids['ana']}"))
        nobody = keep(beto.get("/api/submissions/no-existe"))
        mine = keep(beto.get("/api/submissions")).json()["submissions"]
    assert theirs.status_code == nobody.status_code == 404
    assert theirs.json() == nobody.json()  # no hint that it exists
    assert {s["student"] for s in mine} == {"beto"}
    page = keep(httpx.get(f"{served.url}/estudiante/entregas/{ids['ana']}",
                          cookies={"autograder_sesion": served.tokens["beto"]}))
    assert page.status_code == 404 and "Ana" not in page.text


def test_bad_uploads_are_refused_and_nothing_is_stored(served, tiny):
    before = len(keep(served.client("dani").get("/api/submissions")).json()["submissions"])
    good = notebook_bytes(tiny.notebook())
    cases = [
        (served.submit("dani", good, assignment="no-existe"), 404, "no-existe"),
        (served.submit("dani", good, filename="../tiny.ipynb"), 400, "carpetas"),
        (served.submit("dani", good, filename="sub/tiny.ipynb"), 400, "carpetas"),
        (served.submit("dani", good, filename="tiny.py"), 400, "no es un cuaderno"),
        (served.submit("dani", good[:200]), 422, "no es JSON válido"),
        (served.submit("dani", b'{"hola": 1}'), 422, "no es un cuaderno de Jupyter"),
        (served.submit("dani", b"\x89PNG\x00\x01"), 422, "binario"),
    ]
    for answer, status, words in cases:
        keep(answer)
        assert answer.status_code == status, answer.text
        assert words in answer.json()["error"]
    refused = cases[5][0].json()["error"]
    assert "nota automática es 0" not in refused and "no se ha aceptado" in refused.lower()
    with served.client("dani") as dani:
        missing_file = keep(dani.post("/api/submissions", data={"assignment": "tiny"}))
        not_multipart = keep(dani.post("/api/submissions", content=b"assignment=tiny",
                                       headers={"Content-Type": "multipart/form-data"}))
        torn = keep(dani.post("/api/submissions", content=b"--x\r\nContent-Disposition: form-da",
                              headers={"Content-Type": "multipart/form-data; boundary=x"}))
        after = len(keep(dani.get("/api/submissions")).json()["submissions"])
    assert missing_file.status_code == 400 and "Falta el cuaderno" in missing_file.json()["error"]
    assert not_multipart.status_code == 400 and torn.status_code == 400
    assert after == before
    # a Windows path (old browsers send one) is cut to its last part by the multipart parser
    # itself, before the service sees it: only that name is kept, never used as a path
    windows = keep(served.submit("dani", good, filename="C:\\Users\\x\\tiny.ipynb"))
    assert windows.status_code == 202 and windows.json()["file_name"] == "tiny.ipynb"


def test_oversized_uploads_get_413_while_they_arrive(served, tiny):
    big = b'{"cells": [], "x": "' + b"a" * (CAP_MB * 1024 * 1024 + 100_000) + b'"}'
    answer = keep(served.submit("dani", big))
    assert answer.status_code == 413 and f"{CAP_MB} MB" in answer.json()["error"]

    def raw(head: bytes, body_chunks):
        """Send headers, then the body bit by bit until the server answers; return
        (status line, bytes of body sent)."""
        with socket.create_connection(("127.0.0.1", served.port), timeout=30) as connection:
            connection.sendall(head)
            sent = 0
            for chunk in body_chunks:
                readable, _, _ = select.select([connection], [], [], 0)
                if readable:
                    break
                try:
                    connection.sendall(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += len(chunk)
            connection.settimeout(30)
            return connection.recv(200).split(b"\r\n")[0], sent

    token = served.tokens["dani"].encode()
    # a declared length over the cap: refused before any of the body is read
    declared = (b"POST /api/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                b"\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 50000000"
                b"\r\n\r\n")
    status, sent = raw(declared, [])
    assert b" 413 " in status
    # no declared length (chunked): stopped once the cap is passed, not after 100 MB
    chunked = (b"POST /api/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
               b"\r\nContent-Type: multipart/form-data; boundary=b\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n")
    part = (b'--b\r\nContent-Disposition: form-data; name="notebook"; filename="tiny.ipynb"'
            b"\r\n\r\n")
    payload = b"a" * 65536
    chunks = [b"%x\r\n%s\r\n" % (len(part), part)] + [
        b"%x\r\n%s\r\n" % (len(payload), payload) for _ in range(1600)]
    status, sent = raw(chunked, chunks)
    assert b" 413 " in status
    assert sent < 40 * 1024 * 1024, sent  # the rest was never read (socket buffers aside)


def test_too_many_submissions_get_429_with_the_next_allowed_time(served, tiny):
    set_policy(served, "per_hour = 2\n")
    try:
        blank = notebook_bytes(tiny.notebook())
        first = keep(served.submit("eva", blank))
        second = keep(served.submit("eva", blank))
        third = keep(served.submit("eva", blank))
    finally:
        set_policy(served, None)
    assert first.status_code == second.status_code == 202
    assert third.status_code == 429
    next_time = datetime.datetime.fromisoformat(third.json()["next_allowed_at"])
    received = datetime.datetime.fromisoformat(first.json()["received_at"])
    assert next_time == received + datetime.timedelta(hours=1)
    assert 3500 < int(third.headers["retry-after"]) <= 3600
    assert re.search(r"a partir de las \d\d/\d\d/\d{4} \d\d:\d\d", third.json()["error"])


def test_upload_form_needs_its_csrf_token(served, tiny):
    with httpx.Client(base_url=served.url, timeout=30) as browser:
        keep(browser.get(f"/e/{served.tokens['eva']}"))
        page = keep(browser.get("/estudiante")).text
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)[1]
        before = page.count("/estudiante/entregas/")
        files = {"notebook": ("tiny.ipynb", notebook_bytes(tiny.notebook()))}
        for forged in ("", "0" * 64, csrf[:-1] + ("0" if csrf[-1] != "0" else "1")):
            answer = keep(browser.post("/estudiante/entregas",
                                       data={"assignment": "tiny", "csrf": forged}, files=files))
            assert answer.status_code == 403 and "formulario" in answer.text
        set_policy(served, "per_hour = 10\n")
        try:
            accepted = keep(browser.post("/estudiante/entregas",
                                         data={"assignment": "tiny", "csrf": csrf}, files=files))
        finally:
            set_policy(served, None)
        assert accepted.status_code == 303
        assert accepted.headers["location"].startswith("/estudiante?entrega=")
        page = keep(browser.get(accepted.headers["location"])).text
        assert "Entrega recibida" in page and page.count("/estudiante/entregas/") >= before
    # another user's CSRF token does not fit this session
    with httpx.Client(base_url=served.url, timeout=30,
                      cookies={"autograder_sesion": served.tokens["dani"]}) as other:
        answer = keep(other.post("/estudiante/entregas",
                                 data={"assignment": "tiny", "csrf": csrf}, files=files))
        assert answer.status_code == 403


def test_deadline_late_window_and_closed_assignment(served, graded_three, tiny):
    ids, results, *_ = graded_three
    now = datetime.datetime.now(datetime.timezone.utc)
    set_policy(served, f'closes = {toml_time(now - datetime.timedelta(minutes=1))}\n'
                       'late_hours = 1\nlate = "feedback_only"\ntimezone = "Europe/Madrid"\n')
    try:
        late = keep(served.submit("ana", notebook_bytes(tiny.notebook())))
        assert late.status_code == 202 and late.json()["late"] and not late.json()["counts"]
        graded = served.wait_graded("ana", late.json()["id"])
        assert graded["points"] == 0  # graded for the history...
        # ...but the gradebook keeps the last submission before the deadline
        assert sum(v or 0 for v in gradebook_points(served.course, "tiny")["ana"].values()) == 5
        assert (served.course / "submitted" / "ana" / "tiny" / "tiny.ipynb").read_bytes() == \
            notebook_bytes(tiny.complete())
        # after the deadline the messages show the numbers the hidden tests compare with
        beto = keep(served.client("beto").get(f"/api/submissions/{ids['beto']}")).json()
        assert "debe valer 6" in json.dumps(beto["tests"], ensure_ascii=False)
        set_policy(served, f'closes = {toml_time(now - datetime.timedelta(hours=2))}\n'
                           'late_hours = 1\n')
        closed = keep(served.submit("ana", notebook_bytes(tiny.complete())))
        assert closed.status_code == 403 and "ya no admite entregas" in closed.json()["error"]
        set_policy(served, f'opens = {toml_time(now + datetime.timedelta(days=1))}\n')
        early = keep(served.submit("ana", notebook_bytes(tiny.complete())))
        assert early.status_code == 403 and "todavía no admite" in early.json()["error"]
        set_policy(served, 'per_hour = "muchas"\n')
        broken = keep(served.submit("ana", notebook_bytes(tiny.complete())))
        assert broken.status_code == 503 and "profesor" in broken.json()["error"]
    finally:
        set_policy(served, None)


@pytest.mark.skipif(not sandbox.bwrap_path(), reason="bubblewrap (bwrap) is not installed")
def test_a_submission_cannot_read_other_students_uploads(served, graded_three, tiny):
    uploads = served.course / "service" / "uploads"
    assert any(uploads.iterdir())
    spy = (f"import os\nSEEN = os.path.exists({str(uploads)!r}) or "
           f"os.path.exists({str(served.course / 'service' / 'service.db')!r})\n"
           "def mul(a, b):\n    return -1 if SEEN else a * b")
    set_policy(served, "per_hour = 10\n")
    try:
        answer = keep(served.submit("carla", notebook_bytes(tiny.complete(mul=spy))))
    finally:
        set_policy(served, None)
    graded = served.wait_graded("carla", answer.json()["id"])
    mul = next(t for t in graded["tests"] if t["test"] == "test_mul")
    assert mul["status"] == "passed", graded  # the kernel saw no uploads and no database




@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                    reason="no Chromium / chromedriver: run `make browser`")
def test_a_student_hands_in_from_a_real_browser(served, tiny, tmp_path):
    """The personal link, the upload form, the wait, the feedback page; then the dashboard."""
    pytest.importorskip("selenium")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    notebook = tmp_path / "mi-entrega.ipynb"
    notebook.write_bytes(notebook_bytes(tiny.complete(mul=MUTANT)))
    driver = chromium_driver(tmp_path / "chromium-profile", 60)
    wait = WebDriverWait(driver, 240, poll_frequency=0.5)
    try:
        driver.get(f"{served.url}/e/{served.tokens['fran']}")
        wait.until(lambda d: d.title == "Mis entregas")  # forwarded, cookie sent
        assert "Entregas de Fran Luna" in driver.page_source
        Select(driver.find_element(By.NAME, "assignment")).select_by_value("tiny")
        driver.find_element(By.NAME, "notebook").send_keys(str(notebook))
        driver.find_element(By.CSS_SELECTOR, "form.upload button").click()
        wait.until(lambda d: "Entrega recibida" in d.page_source)
        assert "mi-entrega.ipynb" not in driver.current_url
        # the page refreshes itself while the submission waits; then the link appears
        link = wait.until(lambda d: d.find_elements(By.LINK_TEXT, "ver corrección"))
        link[0].click()
        wait.until(lambda d: d.title == "Corrección de tiny")
        page = driver.find_element(By.TAG_NAME, "body").text
        assert "Puntos: 3 / 6" in page and "test_mul" in page and "No superada" in page
        assert tiny.hidden_source not in driver.page_source
        cookie = driver.get_cookie("autograder_sesion")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

        driver.delete_all_cookies()
        driver.get(f"{served.url}/p/{served.instructor}")
        wait.until(lambda d: d.title == "Panel del profesor")
        assert "Fran Luna" in driver.page_source and "(fran)" in driver.page_source
    finally:
        driver.quit()
