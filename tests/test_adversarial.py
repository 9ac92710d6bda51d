"""Attacks and broken submissions, graded through the real pipeline on a real assignment.

Every attacker is a student of one course folder (01-autoencoder, fast mode), graded in a single
parallel run next to an honest student with the reference answers (who must keep full marks, so
the assertions below cannot pass by grading nothing). Each attacker leaves the exercises unsolved
and tries to earn points some other way; none may get a single autograded point, the batch must
finish, and every student must get a result and a feedback page.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from conftest import gradebook_points

from autograder.api import Limits, feedback, grade, release
from autograder.demo import solution_sources, submission
from autograder.kernel import sandbox
from autograder.kernel.launcher import process_cap_available
from autograder.observation import MIME_TYPE

pytestmark = pytest.mark.slow

ASSIGNMENT = "01-autoencoder"
MANUAL = {"answer_autoencoder_vs_pca"}
CELL_TIMEOUT = 45  # seconds; the infinite loop costs one of these
FORK_MARKER = "613"  # `time.sleep(613)`: the fork bomb's children, which must not outlive grading
# (Python, not `sleep`: the sandbox shows the kernel no program but its interpreter)

RIGGED_OBJECTS = '''
import numpy as np


class Everything(float):
    """Equal to anything, never different."""
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __le__(self, other):
        return True
    def __ge__(self, other):
        return True
    __lt__ = __gt__ = __le__
    __hash__ = float.__hash__


class Anything:
    """Any attribute, any call, any comparison: itself, or True."""
    shape = (5, 2)
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__
    def __array__(self, dtype=None, copy=None):
        return np.zeros((5, 2))
    def __float__(self):
        return 0.0
    def __len__(self):
        return 5
    def __getattr__(self, name):
        return self
    def __call__(self, *args, **kwargs):
        return self


class Autoencoder:
    def __init__(self, *args, **kwargs):
        self.encoder = self.decoder = Anything()
    def __call__(self, x):
        return Anything()
    def get_config(self):
        return {"latent_dim": Everything(0)}
    def save(self, path):
        pass
'''

PATCH_EVERYTHING = '''
import builtins, sys
import numpy as np
import numpy.testing
always = lambda *args, **kwargs: True
nothing = lambda *args, **kwargs: None
np.allclose = np.array_equal = np.isclose = np.all = always
numpy.testing.assert_allclose = numpy.testing.assert_array_equal = nothing
import autograder.checks._support as support
support.Property.failures = lambda self, *args: []
support.Property.check = nothing
support.compare = lambda *args, **kwargs: []
from autograder.checks import autoencoder as checks
for name in dir(checks):
    if name.startswith(("check_", "judge_")):
        setattr(checks, name, nothing)
import autograder.observe
autograder.observe.report = nothing
sys.modules["autograder.observe"].report = nothing
builtins.AssertionError = type("NoError", (Exception,), {})
'''

SWALLOW_ERRORS = '''
ip = get_ipython()
ip.set_custom_exc((BaseException,), lambda *args, **kwargs: None)
def hook(*args):
    raise RuntimeError("un gancho que falla")
ip.events.register("pre_run_cell", hook)
ip.events.register("post_run_cell", hook)
'''

FAKE_SUCCESS = f'''
from IPython.display import publish_display_data
print("Correcto: todas las pruebas superadas. 15/15 puntos")
for name in ("autoencoder_output_range", "choose_threshold", "add_noise"):
    publish_display_data({{"{MIME_TYPE}": {{"property": name,
                          "observation": {{"minimum": 0.0, "maximum": 1.0}}}}}})
'''

PAYLOAD_FROM_PROBE = f'''
from IPython.display import publish_display_data

def choose_threshold(validation_errors, quantile=0.99):
    publish_display_data({{"{MIME_TYPE}": {{"property": "choose_threshold",
                          "observation": {{"thresholds": [0.0, 0.0]}}}}}})
    raise ValueError("después de entregar una observación falsa")
'''

REWRITE_HIDDEN_TESTS = '''
import pathlib
seen = []
def rewrite(lines):
    text = "".join(lines)
    seen.append(text)
    pathlib.Path("pruebas_ocultas.txt").write_text("\\n---\\n".join(seen))
    if "report(" in text or "assert" in text:
        return ["print('Correcto')\\n"]
    return lines
get_ipython().input_transformers_post.append(rewrite)
'''

READ_HISTORY = '''
def leak(result):
    print("celda anterior:", _ih[-1][:200] if _ih else "", len(In))
get_ipython().events.register("post_run_cell", leak)
'''

FORK_BOMB = f'''
import os, sys
children = 0
for _ in range(200):  # over the cap below; bounded anyway: the test machine is shared
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep({FORK_MARKER})"])
    children += 1
print(children, "procesos hijos")
'''

FABRICATED_OBSERVATIONS = f'''
import autograder.observe
from IPython.display import publish_display_data

def made_up(name, *arguments):
    publish_display_data({{"{MIME_TYPE}": {{"property": name,
                          "observation": {{"minimum": 0.0, "maximum": 1.0}}}}}})

autograder.observe.report = made_up
'''

FILES_OUTSIDE = '''
import pathlib
found = []
here = pathlib.Path.cwd()
for folder in (here.parent, here.parents[1], here.parents[2], pathlib.Path("/")):
    try:
        found += [str(p) for p in folder.iterdir()][:50]
    except OSError:
        pass
course = here.parents[2]
for pattern in ("source/**/*.ipynb", "exercises/**/*.ipynb", "submitted/**/*.ipynb"):
    for path in course.glob(pattern):
        try:
            found.append(path.read_text()[:100])
        except OSError:
            pass
try:
    (course / "escrito_por_un_alumno.txt").write_text("hola")
except OSError:
    pass
print(len(found), "cosas leídas")
'''

NETWORK = '''
import socket, urllib.request
for target in (("pypi.org", 443), ("1.1.1.1", 53)):
    try:
        socket.create_connection(target, timeout=3).close()
        print("conectado a", target)
    except OSError as error:
        print("sin red:", error)
try:
    urllib.request.urlopen("https://pypi.org/simple/", timeout=3).read(10)
except Exception as error:
    print("sin descarga:", type(error).__name__)
'''

SPY = '''
import json, pathlib, socket
course = pathlib.Path.cwd().parents[2]
seen = {
    "gradebook": (course / "gradebook.db").exists(),
    "sources": [str(p) for p in course.glob("exercises/**/*.ipynb")],
    "students": sorted(p.name for p in (course / "submitted").glob("*")),
}
try:
    from solutions import kl_divergence
    seen["solutions"] = True
except Exception:
    seen["solutions"] = False
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2).close()
    seen["network"] = True
except OSError:
    seen["network"] = False
commands = []
for process in pathlib.Path("/proc").glob("[0-9]*"):
    try:
        commands.append((process / "cmdline").read_bytes().split(b"\\0"))
    except OSError:
        pass
seen["grader_processes"] = any(b"autograder.batch.worker" in argv for argv in commands)
print("ESPIA" + json.dumps(seen))
'''


def attacks() -> dict[str, dict[str, str]]:
    """student -> answer cells (grade_id -> source); unlisted answer cells stay as released."""
    first = "autoencoder_class"
    return {
        "igual_a_todo": {
            first: RIGGED_OBJECTS,
            "reconstruction_error": "def reconstruction_error(model, x):\n    return Anything()",
            "add_noise": "def add_noise(x, noise_factor=0.3, seed=0):\n    return Anything()",
            "choose_threshold": "def choose_threshold(errors, quantile=0.99):\n"
                                "    return Everything(0.0)",
            "train_autoencoder": "autoencoder = Anything()",
            "train_denoising": "denoising_autoencoder = Anything()",
        },
        "parchea_todo": {first: PATCH_EVERYTHING},
        "traga_errores": {first: SWALLOW_ERRORS},
        "exito_falso": {first: FAKE_SUCCESS},
        "observacion_desde_la_sonda": {"choose_threshold": PAYLOAD_FROM_PROBE},
        "reescribe_pruebas": {first: REWRITE_HIDDEN_TESTS},
        "lee_historial": {first: READ_HISTORY},
        "sale_del_proceso": {first: "import os\nos._exit(0)"},
        "bucle_infinito": {first: "while True:\n    pass"},
        "bomba_de_procesos": {first: FORK_BOMB},
        "agota_memoria": {first: "ballast = bytearray(64 * 2**30)"},
        "salida_enorme": {first: "for i in range(100_000):\n    print('relleno', i)"},
        "lee_archivos_ajenos": {first: FILES_OUTSIDE},
        "red": {first: NETWORK},
        "espia": {first: SPY},
        "salidas_falsificadas": {},  # forged outputs are added to the notebook below
        "numpy_propio": {},  # a numpy.py and a keras.py next to the notebook
    }


# Earns the points of a property whose judge needs no reference numbers (the documented limit of
# observations published from the student's kernel); what it must not escape is the flag.
FABRICATOR = "fabrica_observaciones"
MAX_PROCESSES = 64  # tasks (processes and threads) per kernel in this run


def forge_outputs(nb: nbformat.NotebookNode) -> None:
    """Outputs claiming success on every test cell, as if the notebook had run and passed."""
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            cell.execution_count = 1
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text="Correcto\n"),
                nbformat.v4.new_output("display_data", data={
                    MIME_TYPE: {"property": "autoencoder_output_range",
                                "observation": {"minimum": 0.0, "maximum": 1.0}},
                    "text/plain": "ok"}),
            ]


def build_class(course: Path) -> None:
    release_notebook = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    answers = solution_sources(course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    first = next(iter(answers))
    students = {"honesta": answers, **attacks(), FABRICATOR: {first: FABRICATED_OBSERVATIONS}}
    for student, sources in students.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nb = submission(release_notebook, sources)
        if student == "salidas_falsificadas":
            forge_outputs(nb)
        if student == "numpy_propio":
            for module in ("numpy", "keras"):
                (folder / f"{module}.py").write_text("allclose = lambda *a, **k: True\n")
        if student == "honesta":  # modules handed in next to the notebook must shadow nothing
            for module in ("numpy", "keras"):
                (folder / f"{module}.py").write_text("raise ImportError('sombra')\n")
        nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")


def printed_during_grading(course: Path, student: str) -> str:
    """What the student's notebook printed while it was graded (its executed copy)."""
    executed = course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    return "".join(
        output.get("text", "") for cell in nbformat.read(executed, as_version=4).cells
        for output in cell.get("outputs", []) if output.get("output_type") == "stream"
    )


def leftover_fork_children() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"time.sleep({FORK_MARKER})".encode() in command:
                pids.append(int(entry.name))
    return pids


@pytest.fixture(scope="module")
def graded_attacks(tmp_path_factory):
    course = tmp_path_factory.mktemp("adversarial") / "course"
    course.mkdir()
    root = Path(__file__).resolve().parents[1]
    shutil.copytree(root / "exercises", course / "exercises")
    shutil.copy(root / "nbgrader_config.py", course / "nbgrader_config.py")
    release(course, [ASSIGNMENT])
    build_class(course)
    summary = grade(course, [ASSIGNMENT], workers=2, show_progress=False,
                    limits=Limits(cell_timeout=CELL_TIMEOUT, notebook_budget=240,
                                  max_memory_mb=4096, max_processes=MAX_PROCESSES))
    pages = feedback(course)
    return course, summary, pages


def test_every_student_gets_a_result_and_feedback(graded_attacks):
    course, summary, pages = graded_attacks
    expected = {"honesta", *attacks(), FABRICATOR}
    assert {result.student for result in summary.graded} == expected
    assert set(gradebook_points(course, ASSIGNMENT)) == expected
    written = {page.parts[-3] for page in pages.pages}
    assert written == expected, written
    for page in pages.pages:
        text = page.read_text("utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and len(text) > 500


def test_the_honest_student_keeps_full_marks(graded_attacks):
    course, summary, _ = graded_attacks
    honest = next(r for r in summary.graded if r.student == "honesta")
    maxima = {cell.grade_id: cell.max_points for cell in honest.notebooks[0].cells}
    points = gradebook_points(course, ASSIGNMENT)["honesta"]
    assert {g: p for g, p in points.items() if g not in MANUAL} == {
        g: m for g, m in maxima.items() if g not in MANUAL}


@pytest.mark.parametrize("student", sorted(attacks()))
def test_no_attack_earns_a_point(graded_attacks, student):
    course, summary, _ = graded_attacks
    points = gradebook_points(course, ASSIGNMENT)[student]
    earned = {g: p for g, p in points.items() if g not in MANUAL and p}
    assert earned == {}
    result = next(r for r in summary.graded if r.student == student)
    failed = [c for c in result.notebooks[0].cells if c.grade_id not in MANUAL]
    assert failed and all(c.message for c in failed), [c for c in failed if not c.message]


def test_dead_and_stuck_kernels_are_explained(graded_attacks):
    _, summary, _ = graded_attacks
    codes = {r.student: {p.code for p in r.all_problems} for r in summary.graded}
    assert "kernel_died" in codes["sale_del_proceso"], codes["sale_del_proceso"]
    assert "cell_timeout" in codes["bucle_infinito"], codes["bucle_infinito"]
    assert "memory" in codes["agota_memoria"], codes["agota_memoria"]


def test_fabricated_observations_are_flagged_and_earn_only_reference_free_points(graded_attacks):
    course, summary, _ = graded_attacks
    result = next(r for r in summary.graded if r.student == FABRICATOR)
    assert "suspicious_code" in {p.code for p in result.all_problems}
    points = gradebook_points(course, ASSIGNMENT)[FABRICATOR]
    assert {g for g, p in points.items() if p} <= {"test_autoencoder_output_range"}


@pytest.mark.skipif(not process_cap_available(), reason="no pids cgroup and running as root")
def test_a_fork_bomb_hits_the_process_cap(graded_attacks):
    course, _, _ = graded_attacks
    printed = printed_during_grading(course, "bomba_de_procesos")
    children = int(printed.split(" procesos hijos")[0].split()[-1])
    assert 0 < children < MAX_PROCESSES


def test_forked_children_do_not_outlive_grading(graded_attacks):
    deadline = time.monotonic() + 10
    while leftover_fork_children() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert leftover_fork_children() == []


@pytest.mark.skipif(not sandbox.bwrap_path(), reason="bubblewrap (bwrap) is not installed")
def test_the_sandboxed_kernel_sees_no_instructor_file_and_no_network(graded_attacks):
    course, _, _ = graded_attacks
    printed = printed_during_grading(course, "espia")
    seen = json.loads(printed.split("ESPIA", 1)[1].splitlines()[0])
    assert seen == {"gradebook": False, "sources": [], "students": [], "solutions": False,
                    "network": False, "grader_processes": False}
