"""Nothing of the grading machine reaches a student: planted secrets, graded for real.

Outside the temporary folder the sandbox replaces (so that a deny-list sandbox would let them
through), the test plants what a grading machine holds: an instructor's home with a key and a
Jupyter token, a second checkout of this project (its `solutions/` with a tiny assignment's
answers, its exercise sources), a copy of a course folder with a gradebook, files in `/srv`- and
`/opt`-like folders, and secrets in the grading process's environment. Two submissions of the
tiny assignment try every way to reach them (`open`, `os.listdir`, `glob`, `importlib` by path,
`sys.path`, a symbolic link from their own folder, `/proc/<pid>/root`, `/proc/*/environ`, the
environment); whatever they find they print and raise, so that it would land in their feedback.
Graded locally and on a Dask LocalCluster worker: no planted text in the feedback page, the
executed notebook or the result, and no point for the answers that were stolen.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder.api import feedback, grade
from autograder.kernel import sandbox

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sandbox.bwrap_path(), reason="bubblewrap is not installed")]

MARK = "SECRETO-PLANTADO"
ENVIRONMENT = {"AUTOGRADER_SERVICE_KEY": f"{MARK}-servicio",
               "AWS_SECRET_ACCESS_KEY": f"{MARK}-nube", "JUPYTER_TOKEN": f"{MARK}-jupyter"}

SNOOP = '''
import glob, importlib.util, os, pathlib
ROOT = {root!r}
found = []
def grab(path):
    try:
        found.append(pathlib.Path(path).read_text(errors="replace")[:300])
    except Exception:
        pass
for path in glob.glob(ROOT + "/**", recursive=True):
    grab(path)
for folder in (ROOT, ROOT + "/home/profesor", os.path.expanduser("~"), "/root", "/home",
               "/srv", "/opt", "/var/tmp", "/work", "/mnt"):
    try:
        found.append(" ".join(os.listdir(folder)))
    except OSError:
        pass
grab(os.path.expanduser("~/.ssh/id_ed25519"))
grab(ROOT + "/home/profesor/.ssh/id_ed25519")
try:
    os.symlink(ROOT + "/home/profesor/.ssh/id_ed25519", "enlace")
except OSError:
    pass
grab("enlace")
for process in pathlib.Path("/proc").glob("[0-9]*"):
    grab(process / "environ")
    for path in glob.glob(str(process) + "/root" + ROOT + "/**", recursive=True):
        grab(path)
grab("/proc/self/environ")
found.append(" ".join(f"{{name}}={{value}}" for name, value in os.environ.items()))
try:
    spec = importlib.util.spec_from_file_location("robado", ROOT + "/clone/solutions/tiny.py")
    stolen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stolen)
    found.append(stolen.MARK)
except Exception:
    pass
print("FISGON", found)
if any("SECRETO" in text for text in found):
    raise ValueError(" | ".join(found))

def add(a, b):
    return a + b
'''

THIEF = '''
import sys
sys.path.insert(0, {clone!r})
from solutions.tiny import mul
'''


@pytest.fixture(scope="module")
def planted():
    """A planted machine, and the grading process's environment with its secrets and HOME."""
    root = Path(tempfile.mkdtemp(prefix="autograder-plantado-", dir=_outside_tmp()))
    home = root / "home" / "profesor"
    files = {
        home / ".ssh" / "id_ed25519": f"{MARK}-clave",
        home / ".jupyter" / "jupyter_server_config.json": json.dumps({"token": f"{MARK}-tk"}),
        root / "clone" / "solutions" / "__init__.py": f"# {MARK}-clon\n",
        root / "clone" / "solutions" / "tiny.py":
            f"MARK = '{MARK}-respuestas'\n\ndef mul(a, b):\n    return a * b\n",
        root / "clone" / "exercises" / "tiny" / "tiny.ipynb": f'{{"fuente": "{MARK}-fuente"}}',
        root / "otro-curso" / "gradebook.db": f"{MARK}-notas",
        root / "srv" / "curso" / "entregas.txt": f"{MARK}-srv",
        root / "opt" / "curso" / "copia.txt": f"{MARK}-opt",
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    saved = {name: os.environ.get(name) for name in [*ENVIRONMENT, "HOME"]}
    os.environ.update({**ENVIRONMENT, "HOME": str(home)})
    try:
        yield root
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(root, ignore_errors=True)


def _outside_tmp() -> str:
    """Somewhere the sandbox's private /tmp does not cover: the test must be able to fail."""
    for folder in ("/var/tmp", str(Path(__file__).resolve().parents[1])):
        if os.access(folder, os.W_OK) and not folder.startswith("/tmp"):
            return folder
    pytest.skip("no writable folder outside /tmp to plant files in")


def attack(tiny_class, root: Path) -> None:
    tiny_class.submit("fisgona", tiny_class.complete(add=SNOOP.format(root=str(root))))
    tiny_class.submit("copion", tiny_class.complete(mul=THIEF.format(clone=str(root / "clone"))))


def assert_nothing_leaked(tiny_class) -> None:
    course = tiny_class.course
    feedback(course)
    points = tiny_class.points()
    assert points["fisgona"]["test_add"] == 1  # it ran, found nothing, and is otherwise correct
    assert points["copion"]["test_mul"] == 0  # the other checkout's answers were not importable
    written = [path for student in ("fisgona", "copion") for path in (
        *course.glob(f"feedback/{student}/tiny/*.html"),
        course / "autograded" / student / "tiny" / "tiny.ipynb",
        course / "grading" / "tiny" / "results" / f"{student}.json")]
    assert all(path.is_file() for path in written) and len(written) == 6, written
    executed = course / "autograded" / "fisgona" / "tiny" / "tiny.ipynb"
    assert "FISGON" in executed.read_text()  # the snoop's findings were printed...
    for path in written:
        assert MARK not in path.read_text(errors="replace"), path  # ...and none is a secret


def test_a_local_worker_shows_a_student_no_secret(tiny_class, planted):
    attack(tiny_class, planted)
    grade(tiny_class.course, workers=1, show_progress=False)
    assert_nothing_leaked(tiny_class)


def test_a_dask_worker_shows_a_student_no_secret(tiny_class, planted):
    distributed = pytest.importorskip("distributed")
    attack(tiny_class, planted)
    # started after the secrets were planted: the worker process inherits them
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  resources={"kernels": 1}, silence_logs=40) as cluster:
        grade(tiny_class.course, scheduler=cluster.scheduler_address, show_progress=False)
    assert_nothing_leaked(tiny_class)
