"""One submission as a self-contained task: plain data in, plain data out.

`build_task` (wherever the course folder is) packs what grading one student's assignment needs:
the submitted notebooks' bytes, the extra files, the gradebook's copy of the source cells and
kernelspecs, the limits and the course's nbgrader settings. `run_task` grades it anywhere: it
writes the files into a folder of its own, builds a throwaway gradebook there for nbgrader's
sanitizers (OverwriteCells and OverwriteKernelspec read source cells, points and kernelspec from
a gradebook; nothing else does), runs the notebook grader and returns the `SubmissionResult` as
JSON with the autograded notebooks' bytes. The local worker process and a Dask worker call the
same `run_task`; only where the folder lives differs (`Workspace`).
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import json
import shutil
import tempfile
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook
from traitlets.config import Config

from autograder.batch.job import GradingJob, canonical_grader, uses_default_grader
from autograder.notebook.grader import NotebookTask
from autograder.notebook.limits import Limits
from autograder.notebook.source import SourceNotebook
from autograder.notebook.verdicts import prepare_in_background
from autograder.results import Problem, SubmissionResult


@dataclass
class GradingTask:
    id: str
    assignment: str
    student: str
    fingerprint: str
    notebooks: dict[str, bytes | None]  # notebook name -> submitted bytes (None: not handed in)
    files: dict[str, bytes]  # relative path -> bytes: student's extra files, then the course's
    sources: list[dict]  # SourceNotebook.to_json() of every notebook
    kernelspecs: dict[str, str | None]  # notebook name -> kernelspec JSON as the gradebook has it
    limits: dict
    config: dict  # the course's nbgrader configuration, as plain dicts
    notebook_grader: str
    problems: list[dict] = field(default_factory=list)  # collect's problems for this student
    timestamp: str | None = None

    def size(self) -> int:
        return sum(len(b or b"") for b in self.notebooks.values()) + sum(
            len(b) for b in self.files.values())


@dataclass
class TaskOutput:
    result: dict  # SubmissionResult.to_json()
    autograded: dict[str, bytes]  # notebook name -> executed notebook bytes


# Packing (main process or local worker: the course folder is here) ---------------------------

def build_task(course, job: GradingJob) -> GradingTask:
    submitted = course.submitted_dir / job.student / job.assignment
    names = [source["name"] for source in job.sources]
    notebooks = {}
    for name in names:
        path = submitted / f"{name}.ipynb"
        notebooks[name] = path.read_bytes() if path.is_file() else None
    files: dict[str, bytes] = {}
    # like `nbgrader autograde`, the source folder's files overwrite the student's copies
    for origin in (submitted, course.source_dir / job.assignment):
        for relative, path in extra_files(origin):
            files[relative] = path.read_bytes()
    timestamp_file = submitted / "timestamp.txt"
    timestamp = None
    if timestamp_file.is_file():
        timestamp = timestamp_file.read_text(encoding="utf-8").strip() or None
    return GradingTask(
        id=job.id, assignment=job.assignment, student=job.student, fingerprint=job.fingerprint,
        notebooks=notebooks, files=files, sources=job.sources, kernelspecs=job.kernelspecs,
        limits=job.limits, config=plain_config(course.config),
        notebook_grader=job.notebook_grader, problems=job.problems, timestamp=timestamp,
    )


def extra_files(origin: Path):
    """(relative path, path) of the files that are not notebooks, timestamps or checkpoints."""
    if not origin.is_dir():
        return
    for path in sorted(origin.rglob("*")):
        relative = path.relative_to(origin)
        if (path.is_file() and relative.suffix != ".ipynb" and relative.name != "timestamp.txt"
                and ".ipynb_checkpoints" not in relative.parts):
            yield relative.as_posix(), path


def read_kernelspecs(db_url: str, assignment: str) -> dict[str, str | None]:
    with Gradebook(db_url) as gradebook:
        stored = gradebook.find_assignment(assignment)
        return {notebook.name: notebook.kernelspec for notebook in stored.notebooks}


def plain_config(config: Config) -> dict:
    """The nbgrader configuration as JSON-friendly dicts (a worker rebuilds the Config)."""
    def plain(value):
        if isinstance(value, dict):
            return {str(key): plain(item) for key, item in value.items()}
        return value
    data = plain(config)
    json.dumps(data)  # a setting that is not plain data fails here, loudly, not on a worker
    return data


# Running (anywhere) ---------------------------------------------------------------------------

@dataclass
class Workspace:
    """Where a task's files live while it runs.

    root: holds the throwaway gradebook and scratch files; hidden from the kernel (course_dir).
    workdir: the kernel's working folder.
    """

    root: Path
    workdir: Path
    hidden: Path  # the folder the sandbox hides from the student's kernel
    scratch: Path  # kernel pidfiles (whoever stops a run kills the kernels they name)
    keep: bool = True  # False: the whole root is removed afterwards

    @classmethod
    def temporary(cls, task: GradingTask) -> Workspace:
        root = Path(tempfile.mkdtemp(prefix="autograder-task-"))
        workdir = root / "autograded" / task.student / task.assignment
        return cls(root, workdir, root, root / ".scratch", keep=False)

    @classmethod
    def in_course(cls, course, job: GradingJob) -> Workspace:
        """The local worker's: the kernel works in autograded/<student>/<assignment> as with
        `nbgrader autograde`, the task's own files sit in the assignment's scratch folder."""
        root = Path(job.scratch) / f"task-{job.student}"
        workdir = course.autograded_dir / job.student / job.assignment
        return cls(root, workdir, course.root, Path(job.scratch), keep=False)


_gradebooks: dict[str, bytes] = {}  # sources hash -> throwaway gradebook file, per process
_gradebooks_lock = threading.Lock()


def run_task(task: GradingTask, workspace: Workspace | None = None) -> TaskOutput:
    """Grade every notebook of one task; plain data back. Writes nothing outside `workspace`."""
    started = time.monotonic()
    if uses_default_grader(task.notebook_grader):
        # the reference's observations (seconds of Keras) overlap with the student's kernel
        prepare_in_background(task.sources)
    workspace = workspace or Workspace.temporary(task)
    try:
        return _run(task, workspace, started)
    finally:
        if not workspace.keep:
            shutil.rmtree(workspace.root, ignore_errors=True)


def _run(task: GradingTask, workspace: Workspace, started: float) -> TaskOutput:
    grade_notebook = load_grader(task.notebook_grader)
    limits = Limits(**task.limits)
    config = Config(task.config)
    workdir = workspace.workdir
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    for relative, data in task.files.items():
        target = workdir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    submitted = workspace.root / ".submitted" / task.student / task.assignment
    submitted.mkdir(parents=True, exist_ok=True)
    scratch = workspace.scratch
    scratch.mkdir(parents=True, exist_ok=True)
    db_url = throwaway_gradebook(task, workspace.root)
    result = SubmissionResult(task.assignment, task.student, task.fingerprint,
                              problems=[Problem(**p) for p in task.problems],
                              timestamp=task.timestamp)
    autograded = {}
    try:
        for source_json in task.sources:
            source = SourceNotebook.from_json(source_json)
            data = task.notebooks.get(source.name)
            submitted_path = submitted / f"{source.name}.ipynb"
            if data is not None:
                submitted_path.write_bytes(data)
            output = workdir / f"{source.name}.ipynb"
            graded = grade_notebook(NotebookTask(
                assignment=task.assignment, student=task.student, notebook=source.name,
                submitted_path=str(submitted_path), workdir=str(workdir),
                output_path=str(output), source=source, db_url=db_url, config=config,
                limits=limits, scratch=str(scratch), course_dir=str(workspace.hidden),
            ))
            # collect already told the student about an unreadable or missing notebook
            told = {(problem.code, problem.notebook) for problem in result.problems}
            graded.problems = [p for p in graded.problems if (p.code, p.notebook) not in told]
            result.notebooks.append(graded)
            if output.is_file():
                autograded[source.name] = output.read_bytes()
    finally:
        shutil.rmtree(submitted.parents[1], ignore_errors=True)
    result.seconds = round(time.monotonic() - started, 2)
    result.graded_at = datetime.datetime.now().isoformat(timespec="seconds")
    return TaskOutput(result.to_json(), autograded)


def load_grader(dotted: str):
    """`package.module:function` (current or legacy name of the default grader) -> the function."""
    module_name, _, function_name = canonical_grader(dotted).partition(":")
    return getattr(importlib.import_module(module_name), function_name or "grade_notebook")


def throwaway_gradebook(task: GradingTask, root: Path) -> str:
    """A gradebook holding only this assignment's source cells, in `root` (hidden from the
    kernel: it holds the hidden tests). Built once per process, then copied from memory."""
    key = hashlib.sha256(
        json.dumps([task.assignment, task.sources, task.kernelspecs], sort_keys=True).encode()
    ).hexdigest()
    path = root / ".gradebook.db"
    path.unlink(missing_ok=True)
    with _gradebooks_lock:
        if key not in _gradebooks:
            _fill_gradebook(f"sqlite:///{path}", task)
            _gradebooks[key] = path.read_bytes()
            return f"sqlite:///{path}"
    path.write_bytes(_gradebooks[key])
    return f"sqlite:///{path}"


def _fill_gradebook(db_url: str, task: GradingTask) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's models trip SQLAlchemy autoflush warnings
        with Gradebook(db_url) as gradebook:
            gradebook.update_or_create_assignment(task.assignment)
            for source_json in task.sources:
                source = SourceNotebook.from_json(source_json)
                gradebook.update_or_create_notebook(
                    source.name, task.assignment, kernelspec=task.kernelspecs.get(source.name))
                for cell in source.cells:
                    where = (cell.grade_id, source.name, task.assignment)
                    if cell.grade:
                        gradebook.update_or_create_grade_cell(
                            *where, max_score=cell.points or 0.0, cell_type=cell.cell_type)
                    if cell.task:
                        gradebook.update_or_create_task_cell(
                            *where, max_score=cell.points or 0.0, cell_type=cell.cell_type)
                    if cell.solution:
                        gradebook.update_or_create_solution_cell(*where)
                    gradebook.update_or_create_source_cell(
                        *where, cell_type=cell.cell_type, locked=cell.locked,
                        source=cell.source, checksum=cell.checksum)


def task_asdict(task: GradingTask) -> dict:
    return asdict(task)
