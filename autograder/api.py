"""The instructor pipeline as Python functions, one per `autograder` verb.

    from autograder import api

    api.release("course")                                   # release/<a>/ and release/<a>.zip
    api.collect("moodle.zip", "01-autoencoder", "course")   # submitted/<student>/<a>/
    api.grade("course", workers=2)                          # gradebook.db, autograded/
    api.feedback("course")                                  # feedback/<student>/<a>/informe.html
    api.export("course")                                    # export/grades.csv, grades.json
    api.report("course")                                    # report/index.html + PNGs
    api.publish("course")                                   # feedback + export + report
    api.check("01-autoencoder.ipynb")                       # for students: visible tests

Every function raises `AutograderError` (a clear one-line message) on bad input.
"""

from .check import check
from .collect import collect
from .course import AutograderError
from .demo import demo
from .export import export
from .feedback import feedback
from .grade import grade
from .notebook_grader import Limits, grade_notebook
from .publish import publish
from .release import release
from .report import report

__all__ = [
    "AutograderError",
    "Limits",
    "check",
    "collect",
    "demo",
    "export",
    "feedback",
    "grade",
    "grade_notebook",
    "publish",
    "release",
    "report",
]
