"""Contract checks: one `Property` per gradable property, compared with `solutions`.

Each exercise's module (`autograder.checks.autoencoder`, `.stacked`, `.vae`) lists its properties
in `PROPERTIES` (some defined in `analysis.py` and `sampling.py`); `registry` finds them by name
for `report`. `Property.check` raises `CheckFailed` (an AssertionError) with a Spanish message
saying what was expected and what was received.
"""

from ._support import CheckFailed, Property

__all__ = ["CheckFailed", "Property"]
