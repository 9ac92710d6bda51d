"""What students read when something went wrong with their submission (Spanish), in one place.

`problems` builds each problem (a stable code, for the instructor's report and for tests, and a
sentence); `phrases` holds the shorter texts that go inside verdicts and pages;
`cluster_access` the instructor console's lines about who may use the grading cluster. Callers
use `messages.<name>` and need not know which module holds it.
"""

from autograder.messages.cluster_access import *  # noqa: F403
from autograder.messages.phrases import *  # noqa: F403
from autograder.messages.problems import *  # noqa: F403

