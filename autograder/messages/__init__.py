"""What students read when something went wrong with their submission (Spanish), in one place.

`problems` builds each problem (a stable code, for the instructor's report and for tests, and a
sentence); `phrases` holds the shorter texts that go inside verdicts and pages. Callers use
`messages.<name>` and need not know which of the two holds it.
"""

from autograder.messages.phrases import *  # noqa: F403
from autograder.messages.problems import *  # noqa: F403

