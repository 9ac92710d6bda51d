"""The student's kernel: how a worker starts it, sandboxed and capped.

`launcher.py` runs as `python -m autograder.kernel.launcher` in front of every kernel: it imports
the standard library only (and `sandbox.py`, which does too), because it runs before the limits
are in place.
"""
