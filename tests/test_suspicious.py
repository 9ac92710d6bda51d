"""The static scan for code that reaches for the grader's or the kernel's machinery.

It must never flag honest work (the reference answers), must flag each kind of marker in a cell
the student controls, must leave the instructor's locked cells alone, and must never raise.
"""

from __future__ import annotations

import copy

import nbformat
import pytest
from exercise_notebooks import ASSIGNMENTS, nbgrader_metadata, source_notebook

from autograder.notebook.source import SourceCell, SourceNotebook
from autograder.notebook.suspicious import findings, suspicious_code
from autograder.observation import MIME_TYPE

FIRST = ASSIGNMENTS[0]


def source_record(nb: nbformat.NotebookNode, assignment: str) -> SourceNotebook:
    """The gradebook's record of a source notebook, as `read_source_notebooks` builds it."""
    cells = []
    for cell in nb.cells:
        metadata = nbgrader_metadata(cell)
        if "grade_id" in metadata:
            cells.append(SourceCell(
                grade_id=metadata["grade_id"], cell_type=cell.cell_type, source=cell.source,
                checksum=None, locked=bool(metadata.get("locked")),
                grade=bool(metadata.get("grade")), solution=bool(metadata.get("solution")),
                task=bool(metadata.get("task")), points=metadata.get("points"),
            ))
    return SourceNotebook(assignment, assignment, cells)


def scan(assignment: str, sources: dict[str, str] | None = None, added: str | None = None):
    """Problems of the reference notebook with some cells' sources replaced, or a cell added."""
    original = source_notebook(assignment)
    nb = copy.deepcopy(original)
    for cell in nb.cells:
        grade_id = nbgrader_metadata(cell).get("grade_id")
        if sources and grade_id in sources:
            cell.source = sources[grade_id]
    if added is not None:
        nb.cells.append(nbformat.v4.new_code_cell(added))
    return suspicious_code(nb, source_record(original, assignment))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_reference_answers_are_never_flagged(assignment):
    assert scan(assignment) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_instructors_setup_and_plot_code_is_clean_too(assignment):
    """Students copy these cells into their own: they must not be flagged either."""
    for cell in source_notebook(assignment).cells:
        if cell.cell_type == "code" and not nbgrader_metadata(cell).get("grade"):
            assert findings(cell.source) == [], nbgrader_metadata(cell).get("grade_id")


@pytest.mark.parametrize("code, label", [
    ("import autograder.observe as o\no.report = lambda *a: None", "import autograder"),
    ("from IPython import get_ipython", "import IPython"),
    ("from IPython.display import publish_display_data",
     "IPython.display.publish_display_data"),
    ("get_ipython().display_pub.publish = print", "get_ipython().display_pub"),
    ("ip = get_ipython()\nip.events.register('post_run_cell', print)", "get_ipython()"),
    ("!cat /etc/passwd", "!cat"),
    ("%%bash\nls\n", "%%bash"),
    ('__import__("auto" + "grader")', "__import__"),
    ('import importlib\nimportlib.import_module("zmq")', "import zmq"),
    ('import sys\nsys.modules["autograder.observe"].report = print', "sys.modules"),
    ("import os\nos._exit(0)", "os._exit"),
    ("import os as system\nsystem.fork()", "os.fork"),
    ("from os import system\nsystem('ls')", "os.system"),
    ('getattr(__import__("os"), "kill")(1, 9)', "os.kill"),
    ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)", "import signal"),
    ("import subprocess\nsubprocess.run(['ls'])", "import subprocess"),
    ("import gc\nobjects = gc.get_objects()", "gc.get_objects"),
    ("import ctypes", "import ctypes"),
    ("from builtins import print", "import builtins"),
    ("report.__globals__['x'] = 1", ".__globals__"),
    ("print(__builtins__)", "__builtins__"),
    ("print(_ih[-1])", "_ih"),
    (f"forged = {MIME_TYPE!r}", "vnd.autograder"),
    ("path = '/proc/self/fd'", "/proc/"),
    ('display({"text/plain": "Correcto"}, raw=True)', "display() con un tipo MIME"),
    ("exec('x = 1')", "exec()"),
    ("eval('1 + 1')", "eval()"),
    ("code = compile('x', 'f', 'exec')", "compile()"),
    ("%%time\nimport zmq\n", "import zmq"),  # a cell magic's body is scanned too
])
def test_each_marker_is_flagged_in_a_student_cell(code, label):
    problems = scan(FIRST, {"reconstruction_error": code})
    assert [(p.code, p.cell, p.notebook) for p in problems] == [
        ("suspicious_code", "reconstruction_error", FIRST)]
    assert label in problems[0].message
    assert label in findings(code)


def test_findings_are_listed_once_each_in_one_problem_per_cell():
    code = "import os\nos._exit(0)\nos._exit(1)\nimport autograder\nimport autograder.observe"
    assert findings(code) == ["os._exit", "import autograder"]
    problems = scan(FIRST, {"reconstruction_error": code, "add_noise": "import zmq"})
    assert [p.cell for p in problems] == ["reconstruction_error", "add_noise"]  # notebook order
    assert "«reconstruction_error»" in problems[0].message
    assert "(os._exit, import autograder)" in problems[0].message


def test_a_cell_the_student_added_is_scanned_and_named_as_added():
    problems = scan(FIRST, added="import zmq")
    assert [(p.code, p.cell) for p in problems] == [("suspicious_code", "")]
    assert "una celda añadida" in problems[0].message and "import zmq" in problems[0].message


def test_the_same_code_in_a_locked_instructor_cell_is_not_flagged():
    """Locked cells are put back from the gradebook before they run; test cells import report."""
    attack = "import autograder.observe as o\no.report = print\nimport os\nos._exit(0)"
    assert scan(FIRST, {"setup": attack, "test_reconstruction_error": attack}) == []


def test_a_cell_that_does_not_parse_is_scanned_as_text_without_raising():
    code = "def broken(:\n    !ls /\n    import zmq\n    sys.modules['x'] = 1\n    exec('1'"
    assert set(findings(code)) == {"import zmq", "sys.modules", "exec()", "!ls"}
    problems = scan(FIRST, {"reconstruction_error": code})
    assert [p.cell for p in problems] == ["reconstruction_error"]
    assert findings("x = " + "(" * 300 + ")" * 300) == []  # too deep for the parser
    assert findings("x = " + "-" * 100_000 + "1") == []
    assert findings("%matplotlib inline\nx = (") == []


@pytest.mark.parametrize("code", [
    "%matplotlib inline",
    "%matplotlib inline\nimport numpy as np\nx = np.zeros(3)",
    "model.compile(optimizer='adam', loss='mse')\nmodel.evaluate(x, x, verbose=0)",
    "from IPython_like import thing",  # only the modules themselves
    "import os\nprint(os.environ.get('KERAS_BACKEND'), os.path.join('a', 'b'))",
    "In = 3\nprint(In + 1)",  # a variable of the student's own
    "display(model.summary())",
    "signal = x + 0.3 * noise\nprint(signal.shape)",
    "text = 'import autograder'  # a string mentioning a module runs nothing",
    "import gc\ngc.collect()",
    "from IPython.display import clear_output, display\nclear_output(wait=True)",
    "%time history = model.fit(x, x, epochs=2)",
    "%%time\nhistory = model.fit(x, x, epochs=2)",
])
def test_ordinary_code_is_not_flagged(code):
    assert findings(code) == []


ATTACKS_THAT_USE_MACHINERY = {
    "parchea_todo", "traga_errores", "exito_falso", "observacion_desde_la_sonda",
    "reescribe_pruebas", "lee_historial", "sale_del_proceso", "bomba_de_procesos", "red",
    "espia",
}


def test_the_adversarial_attacks_that_use_machinery_are_flagged():
    from test_adversarial import attacks

    flagged = {
        student for student, cells in attacks().items()
        if any(findings(source) for source in cells.values())
    }
    assert ATTACKS_THAT_USE_MACHINERY <= flagged
