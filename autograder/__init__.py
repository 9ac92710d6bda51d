"""Grading for the course: the instructor CLI around nbgrader, and the contract checks.

Where each part runs (docs/layout.md has the map):

- the student's kernel (sandboxed, untrusted): `observe`, `observation`, `keras_quiet`, `checks/`;
- a grading worker (one submission at a time): `notebook/` drives nbgrader and takes the
  verdicts, `kernel/` starts the sandboxed kernel;
- the instructor's process: `intake/` (release, collect), `batch/` (plans the jobs, runs the
  workers and is the only gradebook writer), `outputs/` (feedback, export, report);
- shared by all: `course`, `results`, `messages` (every sentence a student reads).
"""
