"""The kernel's environment variables: an explicit list, never the grader's environment.

The grading process may hold secrets in its environment (the service's keys, cloud credentials,
tokens, `AUTOGRADER_*` settings). The launcher starts the kernel with only:

- the variables the grader chose for this kernel (`KERNEL_VARIABLE`, JSON, see
  `kernel/manager.kernel_environment`): grading mode, thread counts, TensorFlow's quiet settings;
- jupyter_client's own `JPY_*` variables (not `JPY_PARENT_PID` in the sandbox: its pid 1 is not
  the kernel's parent);
- where to find things: PATH, HOME, TMPDIR (and PYTHONPATH) of the sandbox, or, unsandboxed,
  the grader's PATH and HOME.

Standard library only: the launcher calls it before every kernel.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

KERNEL_VARIABLE = "AUTOGRADER_KERNEL_ENVIRONMENT"
JUPYTER_PREFIX = "JPY_"


def kernel_variables(inherited: Mapping[str, str], sandboxed: dict | None) -> dict[str, str]:
    """The whole environment of the kernel, from the launcher's own (`inherited`)."""
    chosen = json.loads(inherited.get(KERNEL_VARIABLE) or "{}")
    environment = {name: str(value) for name, value in chosen.items()}
    for name, value in inherited.items():
        if name.startswith(JUPYTER_PREFIX) and not (sandboxed and name == "JPY_PARENT_PID"):
            environment[name] = value
    if sandboxed:
        environment.update(sandboxed.get("environment", {}))
    else:  # the kernel can read the machine anyway; it needs to find its programs
        environment.update({n: inherited[n] for n in ("PATH", "HOME") if n in inherited})
    return environment
