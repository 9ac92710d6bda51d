"""The instructor's round trip in a real browser: formgrader in JupyterLab, driven by headless
Chromium, then `autograder publish`.

JupyterLab serves on 127.0.0.1 with a token; Chromium (the distribution's `chromium` and
`chromium-driver`, installed by `make browser`) opens JupyterLab, then formgrader's page for one
submission (the page JupyterLab's Formgrader tab shows), types a score and a comment for the
written answer as an instructor does, and the test checks that publish carries both into the
student's feedback page and the Moodle worksheet. Every wait is bounded.
"""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import venv_environment, wait_for
from headless_browser import CHROMEDRIVER, CHROMIUM, chromium_driver
from nbgrader.api import Gradebook

try:
    import selenium  # noqa: F401
except ImportError:
    selenium = None

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                       reason="no Chromium / chromedriver: run `make browser` (Debian packages "
                       "chromium and chromium-driver)"),
    pytest.mark.skipif(selenium is None,
                       reason="selenium is not installed (pip install -e '.[test]')"),
]

TOKEN = "token-de-prueba-formgrader"
COMMENT = "Bien razonado; la próxima vez cita el código."
WAIT = 60  # seconds, for the server, the page and each save


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(predicate, what: str, timeout: float = WAIT):
    value = wait_for(predicate, timeout, interval=0.3)
    if not value:
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
    return value


@pytest.fixture
def course(tiny_class, tmp_path):
    """A tiny class collected from a Moodle zip and graded: Ana's written answer is pending."""
    from autograder.api import collect, grade

    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("Ana García_3001_assignsubmission_file_/tiny.ipynb",
                        nbformat.writes(tiny_class.complete()))
    roster = tmp_path / "lista.csv"
    roster.write_bytes("id;Nombre;Apellidos;Email;moodle_id\nana;Ana;García;ana@upm.es;3001\n"
                       .encode("cp1252"))
    collect(archive, "tiny", tiny_class.course, roster=roster)
    grade(tiny_class.course, workers=1, show_progress=False)
    return tiny_class.course


@pytest.fixture
def jupyterlab(course):
    port = _free_port()
    # no user settings: a configuration folder of the course's own
    environment = venv_environment(JUPYTER_CONFIG_DIR=str(course / ".jupyter-config"))
    log = open(course / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={course}"] + (["--allow-root"] if os.geteuid() == 0 else []),
        cwd=course, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2):
                return True
        except OSError:
            return server.poll() is not None  # died: stop waiting, the assert says so

    try:
        _wait_for(up, "JupyterLab to start")
        assert server.poll() is None, (course / "jupyterlab.log").read_text()[-3000:]
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def browser(tmp_path):
    driver = chromium_driver(tmp_path / "chromium-profile", WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def _answer(course: Path):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade("answer", "tiny", "tiny", "ana")
        comment = gradebook.find_comment("answer", "tiny", "tiny", "ana")
        return grade.manual_score, grade.needs_manual_grade, comment.manual_comment


def test_a_score_and_comment_typed_in_formgrader_reach_the_student_and_moodle(
        course, jupyterlab, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    from autograder.api import publish

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission_id = gradebook.find_submission_notebook("tiny", "tiny", "ana").id
    assert _answer(course) == (None, True, None)  # the written answer waits for a hand grade

    browser.get(f"{jupyterlab}/lab?token={TOKEN}")  # JupyterLab itself, logged in by the token
    WebDriverWait(browser, WAIT).until(ready.presence_of_element_located((By.ID, "main")))
    browser.get(f"{jupyterlab}/formgrader/submissions/{submission_id}/")
    wait = WebDriverWait(browser, WAIT)
    score = wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, "input.score#answer")))
    score.clear()
    score.send_keys("1", Keys.TAB)  # formgrader saves on change
    comment = wait.until(ready.element_to_be_clickable((By.ID, "answer-comment")))
    comment.send_keys(COMMENT)
    comment.send_keys(Keys.TAB)
    _wait_for(lambda: _answer(course) == (1.0, False, COMMENT), "formgrader to save")

    published = publish(course)

    page = (course / "feedback" / "ana" / "tiny" / "informe.html").read_text("utf-8")
    assert COMMENT in page and "<strong>6 / 6</strong>" in page
    with open(published.export.moodle_worksheets[0], newline="", encoding="utf-8") as stream:
        row = next(csv.DictReader(stream))
    assert row["Identifier"] == "Participant 3001" and row["Grade"] == "6"
    assert COMMENT in row["Feedback comments"] and row["Status"] == "final"
    assert published.export.pending == {}
