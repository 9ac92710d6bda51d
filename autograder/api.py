"""The instructor pipeline as Python functions, one per `autograder` verb.

    from autograder import api

    api.release("course")                                   # release/<a>/ and release/<a>.zip
    api.collect("moodle.zip", "01-autoencoder", "course")   # submitted/<student>/<a>/
    api.limits("course")                                    # grading/<a>/limits.json
    api.grade("course", workers=2)                          # gradebook.db, autograded/
    api.certificates("cluster-tls")                         # TLS files for a Dask cluster
    api.feedback("course")                                  # feedback/<student>/<a>/informe.html
    api.export("course")                                    # export/: Canvas, Moodle, JSON
    api.report("course")                                    # report/index.html + PNGs
    api.similarity("01-autoencoder", "course")              # report/similarity-<a>.html + .csv
    api.publish("course")                                   # feedback + export + report
    api.check("01-autoencoder.ipynb")                       # for students: visible tests
    api.tokens("course", roster="lista.csv", base_url=URL)  # personal links (service/)
    api.serve("course")                                     # the submission service, :8000

Every function raises `AutograderError` (a clear one-line message) on bad input.
"""

from autograder.batch.certificates import certificates
from autograder.batch.grade import grade
from autograder.batch.measured_limits import limits
from autograder.check import check
from autograder.course import AutograderError
from autograder.demo import demo
from autograder.intake.collect import collect
from autograder.intake.release import release
from autograder.notebook.grader import grade_notebook
from autograder.notebook.limits import Limits
from autograder.outputs.export import export
from autograder.outputs.feedback import feedback
from autograder.outputs.publish import publish
from autograder.outputs.report import report
from autograder.service.server import serve
from autograder.service.tokens import tokens
from autograder.similarity.run import similarity

__all__ = [
    "AutograderError",
    "Limits",
    "certificates",
    "check",
    "collect",
    "demo",
    "export",
    "feedback",
    "grade",
    "grade_notebook",
    "limits",
    "publish",
    "release",
    "report",
    "serve",
    "similarity",
    "tokens",
]
