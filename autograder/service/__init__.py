"""`autograder serve`: students hand in over HTTP and read their points within minutes.

One process owns the gradebook, as `autograder grade` does: the web app (`app.py`, Starlette on
uvicorn) stores each upload and queues it (`store.py`, SQLite); the owner, a process of its own
(`owner.py`) running `grading.py`, hands queued submissions to the grading engine of
`autograder grade` (the local worker pool or a Dask cluster) and records each result. Who is
who: `tokens.py`; what a student may see and when: `policy.py` and `reveal.py`; the Spanish
pages: `pages.py`.
"""
