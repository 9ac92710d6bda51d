"""One notebook, in a grading worker: repair, run with nbgrader's steps, judge the hidden tests.

Verdicts are decided here (`verdicts.py`), outside the student's kernel, from the observations the
kernel published; the kernel itself is started through `autograder.kernel`.
"""
