"""Import Keras with TensorFlow's start-up chatter silenced.

TensorFlow's C++ core writes log lines to file descriptor 2 while it loads, whatever
TF_CPP_MIN_LOG_LEVEL says; nbgrader gives 0 points to a test cell that writes to stderr. So the
course imports Keras through here, with fd 2 pointed at /dev/null for the duration of the import.
`autograder/keras_quiet.py` repeats this on purpose: the student's kernel must not import
`solutions`.
"""

import contextlib
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


@contextlib.contextmanager
def quiet_native_stderr():
    """Send what C/C++ code writes to fd 2 to /dev/null; Python's sys.stderr is untouched."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (some embedded interpreters)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


with quiet_native_stderr():
    import keras
    from keras import layers, ops

    ops.convert_to_numpy(ops.ones(1))  # the first op loads the device plugins, which log too

PACKAGE = "solutions"
register = keras.saving.register_keras_serializable(package=PACKAGE)

__all__ = ["keras", "layers", "ops", "quiet_native_stderr", "register"]
