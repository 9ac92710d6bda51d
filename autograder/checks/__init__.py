"""Contract checks: one `check_<property>` per gradable property, compared with `solutions`.

Hidden test cells import the module of their exercise (`autograder.checks.autoencoder`,
`.stacked`, `.vae`) and call its checks; each raises `CheckFailed` (an AssertionError) with a
Spanish message saying what was expected and what was received.
"""

from ._support import CheckFailed, Property

__all__ = ["CheckFailed", "Property"]
