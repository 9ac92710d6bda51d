"""grading/<assignment>/collect.json: who handed in what, as `collect` found it.

The one reader and writer of that file. `collect` merges each run into it (a second zip adds late
submissions); `grade` takes each student's collect problems from it, feedback and export take
names, e-mails and Moodle participant numbers, the report takes the class-wide problems.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import Course
from autograder.results import write_json_atomically


@dataclass
class Manifest:
    assignment: str
    source: str = ""
    collected_at: str = ""
    students: dict[str, dict] = field(default_factory=dict)  # student id -> Collected fields
    problems: list[dict] = field(default_factory=list)  # problems of the whole collection
    missing: list[str] = field(default_factory=list)  # roster entries with no submission

    @staticmethod
    def path(course: Course, assignment: str) -> Path:
        return course.grading_dir / assignment / "collect.json"

    @classmethod
    def read(cls, course: Course, assignment: str) -> Manifest:
        """The assignment's manifest; an empty one when nothing was collected with `collect`."""
        path = cls.path(course, assignment)
        if not path.is_file():
            return cls(assignment)
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            assignment,
            data.get("source", ""),
            data.get("collected_at", ""),
            data.get("students", {}),
            data.get("problems", []),
            data.get("missing", []),
        )

    def write(self, course: Course) -> None:
        write_json_atomically(self.path(course, self.assignment), {
            "assignment": self.assignment, "source": self.source,
            "collected_at": self.collected_at, "students": self.students,
            "problems": self.problems, "missing": self.missing,
        })

    def student(self, student: str) -> dict:
        return self.students.get(student, {})

    def problems_of(self, student: str) -> list[dict]:
        return self.student(student).get("problems", [])
