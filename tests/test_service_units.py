"""The service's rules without a server: policy files, what a student may read, tokens."""

from __future__ import annotations

import csv
import datetime
import os
import stat

import pytest

from autograder.checks._support import close_message
from autograder.course import AutograderError
from autograder.service import reveal
from autograder.service.policy import CLOSED, LATE, NOT_OPEN, OPEN, Policy, parse_policy
from autograder.service.store import STUDENT, Store

UTC = datetime.timezone.utc


def policy(text: str) -> Policy:
    return parse_policy(text.encode(), "service/tiny.toml")


def test_default_policy_suits_day_one():
    default = Policy()
    moment = datetime.datetime(2030, 1, 1, tzinfo=UTC)
    assert default.state(moment) == OPEN and not default.past_deadline(moment)
    assert (default.per_hour, default.before_deadline, default.after_deadline) == \
        (6, "full", "full")


def test_policy_times_are_read_in_the_courses_time_zone():
    rules = policy('opens = 2027-02-01T09:00:00\ncloses = 2027-02-15T23:59:00\n'
                   'timezone = "Europe/Madrid"\nlate_hours = 24\nlate = "feedback_only"\n'
                   'per_hour = 3\nbefore_deadline = "points"\nafter_deadline = "full"\n')
    assert rules.closes == datetime.datetime(2027, 2, 15, 22, 59, tzinfo=UTC)  # CET = UTC+1
    assert rules.state(datetime.datetime(2027, 1, 31, tzinfo=UTC)) == NOT_OPEN
    assert rules.state(datetime.datetime(2027, 2, 15, 22, 58, tzinfo=UTC)) == OPEN
    assert rules.state(datetime.datetime(2027, 2, 15, 23, 30, tzinfo=UTC)) == LATE
    assert rules.state(datetime.datetime(2027, 2, 16, 23, 0, tzinfo=UTC)) == CLOSED
    assert rules.view(datetime.datetime(2027, 2, 10, tzinfo=UTC)) == "points"
    assert rules.view(datetime.datetime(2027, 2, 20, tzinfo=UTC)) == "full"
    assert rules.local(rules.closes) == "15/02/2027 23:59 (Europe/Madrid)"
    with_offset = policy("closes = 2027-02-15T23:59:00+01:00\n")
    assert with_offset.closes == rules.closes


@pytest.mark.parametrize("text, words", [
    ("dealine = 2027-01-01T00:00:00\n", "clave desconocida dealine"),
    ('timezone = "Europe/Madird"\n', "zona horaria desconocida"),
    ('closes = "mañana"\n', "fecha y hora"),
    ("per_hour = -1\n", "per_hour"),
    ('before_deadline = "todo"\n', "full, points, visible"),
    ('late = "penalty"\n', "counts, feedback_only"),
    ("opens = 2027-02-02T00:00:00\ncloses = 2027-02-01T00:00:00\n", "posterior"),
    ("closes = [\n", "no es TOML válido"),
])
def test_a_bad_policy_is_one_clear_line(text, words):
    with pytest.raises(AutograderError) as error:
        policy(text)
    assert words in str(error.value) and "\n" not in str(error.value)


def _result(message: str, status: str = "failed") -> dict:
    return {"assignment": "a", "student": "s", "fingerprint": "f", "notebooks": [{
        "name": "nb", "cells": [
            {"grade_id": "test_kl", "max_points": 2, "points": 0, "status": status,
             "message": message},
            {"grade_id": "test_shape", "max_points": 1, "points": 1, "status": "passed",
             "message": ""},
            {"grade_id": "answer", "max_points": 1, "points": None, "status": "manual",
             "message": ""}]}]}


def test_before_the_deadline_no_answer_shows_a_reference_value():
    import numpy as np

    message = close_message("kl_divergence", np.array([0.5, 0.25]), np.array([0.125, 0.25]))
    assert "0.125" in message and "0.5" in message
    hidden = {("nb", "test_kl")}
    before = reveal.student_view(_result(message), "full", True, hidden)
    shown = before["tests"][0]["message"]
    assert "0.125" not in shown and "se obtuvo 0.5" in shown  # the student's own value stays
    after = reveal.student_view(_result(message), "full", False, hidden)
    assert after["tests"][0]["message"] == message
    lower = "el MSE debe bajar de 0.0412 a menos de 0.0206; se obtuvo 0.0500"
    masked = reveal.mask_reference_values(lower)
    assert "0.0412" not in masked and "0.0206" not in masked and "0.0500" in masked


def test_views_show_what_the_policy_says():
    hidden = {("nb", "test_kl")}
    points = reveal.student_view(_result("se esperaba 3"), "points", True, hidden)
    assert [t["message"] for t in points["tests"]] == ["", "", ""]
    assert (points["points"], points["max_points"]) == (1, 4)
    visible = reveal.student_view(_result("se esperaba 3"), "visible", True, hidden)
    assert [t["test"] for t in visible["tests"]] == ["test_shape", "answer"]
    assert visible["points"] is None and visible["problems"] == []


def test_tokens_are_stored_hashed_reissued_and_revoked(tmp_path):
    from conftest import TINY_CONFIG

    from autograder.service.tokens import tokens

    tiny_course = tmp_path / "course"  # tokens need the course folder only, not a release
    tiny_course.mkdir()
    (tiny_course / "nbgrader_config.py").write_text(TINY_CONFIG)

    roster = tmp_path / "lista.csv"
    roster.write_text("id;nombre;correo\nana;Ana García;ana@x.es\nbeto;Beto Ruiz;b@x.es\n",
                      encoding="cp1252")
    first = tokens(tiny_course, roster=roster, base_url="https://entregas.example.org/")
    assert first.issued == ["ana", "beto"] and first.instructor_link.startswith(
        "https://entregas.example.org/p/")
    assert stat.S_IMODE(os.stat(first.links_file).st_mode) == 0o600
    rows = list(csv.DictReader(open(first.links_file, encoding="utf-8", newline="")))
    assert [(r["id"], r["name"], r["email"]) for r in rows] == [
        ("ana", "Ana García", "ana@x.es"), ("beto", "Beto Ruiz", "b@x.es")]
    token = {r["id"]: r["link"].rsplit("/e/", 1)[1] for r in rows}
    store = Store(tiny_course / "service")
    assert store.holder(token["ana"]).who == "ana" and store.holder(token["ana"]).role == STUDENT
    database = (tiny_course / "service" / "service.db").read_bytes()
    assert token["ana"].encode() not in database  # only hashes are kept

    again = tokens(tiny_course, roster=roster)
    assert again.issued == [] and again.kept == ["ana", "beto"] and not again.instructor_link
    new = tokens(tiny_course, reissue=["ana"])
    new_token = list(csv.DictReader(open(new.links_file, encoding="utf-8")))[0]["link"]
    assert store.holder(token["ana"]) is None  # the old link stops working
    assert store.holder(new_token.rsplit("/e/", 1)[1]).who == "ana"
    tokens(tiny_course, revoke=["beto"])
    assert store.holder(token["beto"]) is None
    with pytest.raises(AutograderError, match="no tiene ningún enlace activo"):
        tokens(tiny_course, revoke=["beto"])


def test_a_grader_failure_reaches_the_student_without_its_details():
    from autograder import messages
    from autograder.messages.service import GRADER_FAILED

    result = _result("se esperaba 3")
    lost = messages.worker_lost(messages.WORKER_ERROR.format(
        detail='Traceback (most recent call last):\n  File "task.py"\nOperationalError'))
    result["problems"] = [{"code": lost.code, "message": lost.message}]
    student = reveal.student_view(result, "full", True, {("nb", "test_kl")})
    assert student["problems"] == [GRADER_FAILED]
    instructor = reveal.student_view(result, "full", False, set(), student=False)
    assert "OperationalError" in instructor["problems"][0]


def test_serve_refuses_a_busy_port_in_one_line(tmp_path, capsys):
    import signal
    import socket

    from conftest import TINY_CONFIG

    from autograder.cli import main

    (tmp_path / "nbgrader_config.py").write_text(TINY_CONFIG)
    handler = signal.getsignal(signal.SIGTERM)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        try:
            code = main(["serve", "--course-dir", str(tmp_path), "--port",
                         str(busy.getsockname()[1])])
        finally:
            signal.signal(signal.SIGTERM, handler)
    error = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in error and "ya está en uso" in error
    assert not (tmp_path / "service").exists()  # refused before anything was written
