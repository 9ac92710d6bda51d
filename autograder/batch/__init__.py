"""A grading run, in the instructor's process: plan, hand jobs to workers, record each result.

The main process (`grade.py`) is the only writer of the gradebook; `worker.py` runs in worker
processes and grades one submission per job (`job.py`) with the notebook grader.
"""
