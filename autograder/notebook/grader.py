"""Grade one submitted notebook with nbgrader's preprocessors; return per-cell results.

`grade_notebook(task)` is the one function a grading worker calls for each notebook. It follows
`nbgrader autograde` step by step — the same sanitizing preprocessors, the same Execute, the same
`determine_grade` — and differs only where autograde gives up or misleads:

- a notebook that is not JSON, not a notebook, or whose metadata cannot be repaired gets zero
  points with a message, instead of an error in the log and no grade at all;
- removed, duplicated, edited and moved cells are put right first and reported (`tampering.py`),
  and code reaching for the grader is flagged (`suspicious.py`);
- hidden test cells are judged here, outside the student's kernel, from the observations they
  published (`verdicts.py`): their own output and errors play no part;
- the kernel runs in the sandbox (`autograder/kernel/`) under a memory limit, and the whole
  notebook under a time budget on top of the per-cell timeout, both charged on the kernel's
  clock (`kernel/clock.py`: wall time minus the time it waited for a CPU, so a busy machine
  costs an honest notebook nothing); when the kernel dies or the budget runs out, the cells that
  never ran score zero (nbgrader would give full marks to a test cell without output) and the
  feedback says why.

It writes nothing to the gradebook: the caller records the returned results. Another grader can
replace it: anything with the same signature can be named with
`autograder grade --notebook-grader module:function`.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.nbgraderformat import ValidationError
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
)
from traitlets.config import Config

from autograder import messages
from autograder.kernel import sandbox
from autograder.kernel.clock import MAX_STRETCH, KernelClock
from autograder.kernel.manager import kernel_environment, kernel_pidfile, kill_process_group
from autograder.notebook import explain
from autograder.notebook.grading_execute import GradingExecute, mark_timeouts
from autograder.notebook.limits import Limits
from autograder.notebook.notebook_file import cell_grade_id, parse_notebook
from autograder.notebook.scoring import score, zero_cells
from autograder.notebook.source import SourceNotebook
from autograder.notebook.suspicious import suspicious_code
from autograder.notebook.tampering import repair_cells
from autograder.results import (
    NotebookResult,
    Problem,
    write_text_atomically,
)


@dataclass
class NotebookTask:
    """Everything needed to grade one notebook of one submission (JSON-friendly)."""

    assignment: str
    student: str
    notebook: str
    submitted_path: str  # may be missing: the student did not hand this notebook in
    workdir: str  # the kernel's working folder: autograded/<student>/<assignment>
    output_path: str  # where the executed notebook is written
    source: SourceNotebook
    db_url: str  # gradebook nbgrader's sanitizers read cells from (read only)
    config: Config = field(default_factory=Config)  # the course's nbgrader configuration
    limits: Limits = field(default_factory=Limits)
    scratch: str = ""  # folder for the kernel's pidfile
    course_dir: str = ""  # the course root, hidden from a sandboxed kernel


def grade_notebook(task: NotebookTask) -> NotebookResult:
    started = time.monotonic()
    result = NotebookResult(task.notebook)
    nb = _read(task, result.problems)
    if nb is not None:
        nb = _sanitize(nb, task, result.problems)
    if nb is None:  # still written, so that formgrader lists it and its grades can be overridden
        result.cells = zero_cells(task.source)
        nb = explain.unreadable_notebook(task.source, result.cells, result.problems)
    else:
        ran = _execute(nb, task, result.problems)
        result.slowest_cell_seconds = ran.slowest_cell_seconds
        nb = _finish(nb, task)
        result.cells, result.comments = score(nb, task, ran, result.problems)
        explain.explain_cells(nb, result.cells)  # verdicts in place of raw observations
    write_text_atomically(Path(task.output_path), nbformat.writes(nb))
    result.seconds = round(time.monotonic() - started, 2)
    return result


# Reading -------------------------------------------------------------------------------------

def _read(task: NotebookTask, problems: list[Problem]) -> NotebookNode | None:
    path = Path(task.submitted_path)
    if not path.is_file():
        problems.append(messages.missing_notebook(task.notebook))
        return None
    nb, problem = parse_notebook(path.read_bytes(), task.notebook)
    if problem is not None:
        problems.append(problem)
    return nb


# Sanitizing (nbgrader autograde's first pass) -------------------------------------------------

def _resources(task: NotebookTask) -> dict:
    return {
        "nbgrader": {
            "notebook": task.notebook,
            "assignment": task.assignment,
            "student": task.student,
            "db_url": task.db_url,
        },
        "metadata": {"path": task.workdir},
    }


def _sanitize(nb: NotebookNode, task: NotebookTask, problems: list[Problem]) -> NotebookNode | None:
    problems += repair_cells(nb, task.source)
    problems += suspicious_code(nb, task.source)
    resources = _resources(task)
    try:
        for step in (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                     CheckCellMetadata):
            nb, resources = step(config=task.config)(nb, resources)
    except ValidationError as error:
        problems.append(messages.invalid_metadata(task.notebook, str(error)))
        return None
    except Exception as error:
        problems.append(messages.grading_crashed(task.notebook, f"{type(error).__name__}: {error}"))
        return None
    return nb


# Executing -----------------------------------------------------------------------------------

KERNEL_SHUTDOWN = "immediate"  # nbclient's shutdown_kernel


@dataclass
class Run:
    """How far execution got (`stopped_at` is None when every cell ran)."""

    stopped_at: int | None = None
    reason: str = ""  # what happened to the cell it stopped at, for that cell's message
    slowest_cell_seconds: float = 0.0  # on the kernel's clock, of the cells that finished


def _executor_config(task: NotebookTask, socket_dir: Path | None) -> Config:
    config = copy.deepcopy(task.config)
    if socket_dir is not None:  # no network in the sandbox: ZMQ over unix sockets
        config.LimitedKernelManager.transport = "ipc"
        config.LimitedKernelManager.ip = str(socket_dir / "kernel")
    # set on the subclass: nbconvert re-reads config each time preprocess() is called
    # (the cell timeout itself is charged on the kernel's clock; this is the wall backstop)
    config.GradingExecute.timeout = task.limits.cell_timeout * MAX_STRETCH
    config.GradingExecute.shell_timeout_interval = GradingExecute.check_seconds
    config.GradingExecute.interrupt_on_timeout = True
    config.GradingExecute.kernel_manager_class = "autograder.kernel.manager.LimitedKernelManager"
    # every output is in once the last cell ran: a graceful shutdown would only wait for
    # TensorFlow to tear itself down (about 3 s per notebook)
    config.GradingExecute.shutdown_kernel = KERNEL_SHUTDOWN
    return config


def _execute(nb: NotebookNode, task: NotebookTask, problems: list[Problem]) -> Run:
    limits = task.limits
    pidfile = kernel_pidfile(task.scratch or task.workdir, task.student)
    socket_dir = Path(tempfile.mkdtemp(prefix="ag-")) if sandbox.bwrap_path() else None
    spec = None
    if socket_dir is not None:
        spec = sandbox.specification(_course_folder(task), Path(task.workdir), socket_dir)
    environment = kernel_environment(
        max_memory_mb=limits.max_memory_mb, pidfile=pidfile, threads=limits.kernel_threads,
        sandbox=spec, max_cpu_seconds=limits.max_cpu_seconds, max_processes=limits.max_processes,
    )
    executor = GradingExecute(config=_executor_config(task, socket_dir))
    executor.cell_limit, executor.pidfile = limits.cell_timeout, str(pidfile)
    budget_spent, finished = threading.Event(), threading.Event()
    budget = KernelClock(limits.notebook_budget, pidfile)

    def watch_budget():  # the notebook budget, on the kernel's clock too
        while not finished.wait(GradingExecute.check_seconds):
            if budget.spent():
                budget_spent.set()
                kill_process_group(pidfile)
                return

    watchdog = threading.Thread(target=watch_budget, daemon=True)
    run = Run()
    try:
        with utils.setenv(**environment):
            if limits.notebook_budget:
                watchdog.start()
            executor.preprocess(nb, _resources(task))
    except DeadKernelError:
        if executor.unresponsive is not None and not budget_spent.is_set():
            run = _unresponsive(nb, task, executor.unresponsive, problems)
        else:
            run = _stopped(nb, task, executor.running_cell, budget_spent.is_set(), problems)
    except CellTimeoutError:  # the kernel ignored the interrupt and could not be killed
        run = _unresponsive(nb, task, executor.running_cell, problems)
    except Exception as error:  # a grader fault must not lose the student's result
        run = Run(executor.running_cell or 0, messages.GRADER_FAILED_HERE)
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        problems.append(messages.grading_crashed(task.notebook, detail))
    finally:
        finished.set()
        mark_timeouts(nb, executor.timed_out)
        run.slowest_cell_seconds = max(executor.cell_seconds.values(), default=0.0)
        kill_process_group(pidfile)  # normally already shut down; never leave one behind
        pidfile.unlink(missing_ok=True)
        if socket_dir is not None:
            shutil.rmtree(socket_dir, ignore_errors=True)
    return run


def _course_folder(task: NotebookTask) -> Path:
    """The course root (gradebook, sources, every student's files); by default the folder above
    autograded/<student>/<assignment>."""
    if task.course_dir:
        return Path(task.course_dir).resolve()
    return Path(task.workdir).resolve().parents[2]


def _unresponsive(nb, task, index, problems) -> Run:
    """The kernel ignored the cell's interrupt (SIGINT masked, stuck in C code)."""
    index = index or 0
    grade_id = cell_grade_id(nb.cells[index]) or "" if index < len(nb.cells) else ""
    seconds = task.limits.cell_timeout
    problems.append(messages.unresponsive(task.notebook, grade_id, seconds,
                                          task.limits.reference_factor))
    return Run(index, messages.TIMEOUT.format(seconds=seconds))


def _stopped(nb, task, index, budget_spent, problems) -> Run:
    index = index or 0
    grade_id = cell_grade_id(nb.cells[index]) or "" if index < len(nb.cells) else ""
    number = index + 1
    if budget_spent:
        problems.append(
            messages.budget_exceeded(task.notebook, task.limits.notebook_budget, grade_id, number,
                                     task.limits.reference_factor)
        )
        return Run(index, messages.BUDGET_SPENT_HERE)
    problems.append(messages.kernel_died(task.notebook, grade_id, number))
    return Run(index, messages.KERNEL_DIED_HERE)


def _finish(nb: NotebookNode, task: NotebookTask) -> NotebookNode:
    """nbgrader autograde's remaining output steps (SaveAutoGrades is the recorder's job)."""
    resources = _resources(task)
    for step in (IgnorePattern, ClearMetadataPreprocessor, LimitOutput):
        nb, resources = step(config=task.config)(nb, resources)
    return nb
