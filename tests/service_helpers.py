"""Start `autograder serve` for real (uvicorn on 127.0.0.1, a free port) and talk to it."""

from __future__ import annotations

import csv
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from conftest import venv_environment, wait_for

ROSTER = "id,name,email\nana,Ana García,ana@example.org\nbeto,Beto Ruiz,beto@example.org\n" \
         "carla,Carla Gil,carla@example.org\ndani,Dani Sanz,dani@example.org\n" \
         "eva,Eva Mora,eva@example.org\nfran,Fran Luna,fran@example.org\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Served:
    course: Path
    port: int
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)  # student -> token
    instructor: str = ""
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, who: str | None = None) -> httpx.Client:
        headers = {}
        if who:
            token = self.instructor if who == "profesor" else self.tokens[who]
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def start(self, *options: str, wait: float = 180) -> None:
        log = open(self.log, "a", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.cli", "serve", "--course-dir", str(self.course),
             "--port", str(self.port), *options],
            env=venv_environment(), stdout=log, stderr=log)
        log.close()

        def healthy():
            if self.process.poll() is not None:
                raise AssertionError(f"the service exited: {self.log.read_text()[-2000:]}")
            try:
                return httpx.get(f"{self.url}/api/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        assert wait_for(healthy, wait, interval=0.5), self.log.read_text()[-2000:]

    def stop(self) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.terminate()
        try:
            return self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def submit(self, who: str, data: bytes, filename: str = "tiny.ipynb",
               assignment: str = "tiny") -> httpx.Response:
        with self.client(who) as client:
            return client.post("/api/submissions", data={"assignment": assignment},
                               files={"notebook": (filename, data, "application/x-ipynb+json")})

    def wait_graded(self, who: str, submission_id: str, seconds: float = 300) -> dict:
        with self.client(who) as client:
            def done():
                data = client.get(f"/api/submissions/{submission_id}").json()
                return data if data["status"] in ("graded", "failed") else None

            data = wait_for(done, seconds, interval=0.5)
        assert data, f"{submission_id} not graded in {seconds} s: {self.log.read_text()[-3000:]}"
        return data


def served_course(template: Path, folder: Path, port: int | None = None) -> Served:
    """A copy of the released tiny course with links for the roster above."""
    from autograder.service.tokens import tokens

    course = folder / "course"
    shutil.copytree(template, course)
    roster = folder / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    served = Served(course, port or free_port(), folder / "serve.log")
    issued = tokens(course, roster=roster, base_url=served.url)
    with open(issued.links_file, encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            served.tokens[row["id"]] = row["link"].rsplit("/e/", 1)[1]
    served.instructor = issued.instructor_link.rsplit("/p/", 1)[1]
    return served


def wait_until(condition, seconds: float, what: str):
    value = wait_for(condition, seconds, interval=0.2)
    assert value, what
    return value


def elapsed(started: float) -> float:
    return time.monotonic() - started
