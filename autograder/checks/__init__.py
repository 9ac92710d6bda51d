"""Contract checks: one `Property` (probe + judge) per gradable property of each exercise.

The probes run in the student's kernel: hidden test cells call `autograder.observe.report(name,
obj)`, which finds the property in `registry` (one module per exercise, discovered), runs its
probe on the student's object and publishes the observation. The judge runs in the grading worker
(`autograder.notebook.verdicts`) against the reference's observation on the same probes. Nothing
here imports `solutions` at import time: the kernel never sees it (`building_blocks.py` holds the
few correct pieces the probes need). `Property.check` judges on the spot, in process, and raises
`CheckFailed` (an AssertionError) with the Spanish message.
"""

from ._support import CheckFailed, Property

__all__ = ["CheckFailed", "Property"]
