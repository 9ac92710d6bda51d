"""The package layout's guards: what would break silently when a module moves.

docs/layout.md is the map; these tests keep its promises: the kernel side imports nothing of the
instructor's, the launcher only the standard library, dotted names still resolve, fingerprints
survive the move, the CLI takes its defaults from the API, and the checks registry finds an
exercise module it was never told about.
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import autograder
from autograder.batch.job import (
    DEFAULT_NOTEBOOK_GRADER,
    LEGACY_NOTEBOOK_GRADER,
    GradingJob,
    canonical_grader,
)
from autograder.batch.state import settings_of
from autograder.batch.task import load_grader
from autograder.notebook.limits import Limits

ROOT = Path(__file__).resolve().parents[1]
INSTRUCTOR_SIDE = ("autograder.batch", "autograder.intake", "autograder.outputs",
                   "autograder.notebook", "solutions", "nbgrader")


def _modules_after_import(module: str) -> list[str]:
    """Modules that importing `module` loads in a fresh interpreter (start-up's own left out)."""
    code = ("import sys, json; before = set(sys.modules); import {}; "
            "print(json.dumps(sorted(set(sys.modules) - before)))")
    done = subprocess.run([sys.executable, "-c", code.format(module)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_fingerprints_keep_the_grader_name_they_had_before_the_move():
    # the exact settings the pre-layout code hashed for the default grader and no sources
    assert settings_of(DEFAULT_NOTEBOOK_GRADER, []) == {
        "grader": "autograder.notebook_grader:grade_notebook", "sources": []}
    assert settings_of(LEGACY_NOTEBOOK_GRADER, []) == settings_of(DEFAULT_NOTEBOOK_GRADER, [])
    assert settings_of("my_grader:grade", [])["grader"] == "my_grader:grade"


def test_the_default_grader_resolves_by_its_new_and_its_old_name():
    from autograder.notebook.grader import grade_notebook

    assert canonical_grader(LEGACY_NOTEBOOK_GRADER) == DEFAULT_NOTEBOOK_GRADER
    assert load_grader(DEFAULT_NOTEBOOK_GRADER) is grade_notebook
    assert load_grader(LEGACY_NOTEBOOK_GRADER) is grade_notebook


def test_dotted_names_written_as_strings_resolve():
    import importlib

    from autograder.kernel.manager import LimitedKernelManager

    for module in ("autograder.batch.worker", "autograder.kernel.launcher"):
        assert importlib.util.find_spec(module) is not None, module
    from autograder.notebook import grader

    dotted = "autograder.kernel.manager.LimitedKernelManager"
    assert dotted in inspect.getsource(grader)  # the string nbclient is configured with
    module, _, name = dotted.rpartition(".")
    assert getattr(importlib.import_module(module), name) is LimitedKernelManager
    assert '"autograder.kernel.launcher"' in inspect.getsource(LimitedKernelManager)


def test_a_job_survives_the_trip_to_a_worker():
    job = GradingJob("a/s", "/c", "a", "s", "f" * 32, "/r.json", "sqlite:///x", [{"name": "n"}],
                     Limits().__dict__, "/scratch", problems=[{"code": "x", "message": "m"}])
    assert GradingJob.from_line(job.to_line()) == job
    assert job.uses_default_grader


def test_the_kernel_side_imports_nothing_of_the_instructor():
    loaded = _modules_after_import("autograder.observe")
    leaked = [m for m in loaded if m.startswith(INSTRUCTOR_SIDE)]
    assert not leaked, f"importing autograder.observe also imports {leaked[:5]}"


def test_the_kernel_launcher_imports_the_standard_library_only():
    loaded = _modules_after_import("autograder.kernel.launcher")
    foreign = [m for m in loaded if m.split(".")[0] not in sys.stdlib_module_names
               and m.split(".")[0] != "autograder"]
    assert not foreign, f"the launcher imports {foreign[:5]}"


def test_the_sandbox_keeps_the_autograder_package_visible(tmp_path):
    from autograder.kernel.sandbox import specification

    spec = specification(tmp_path / "course", tmp_path / "work", tmp_path / "sockets")
    assert str(Path(autograder.__file__).resolve().parent) in spec["read"]


# The CLI ------------------------------------------------------------------------------------

def _subparsers():
    from autograder.cli_parser import build_parser

    parser = build_parser()
    (action,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return action.choices


def test_every_verb_maps_to_its_api_function():
    from autograder import api
    from autograder.cli import VERBS

    assert set(VERBS) == set(_subparsers())
    assert set(VERBS) <= set(api.__all__)


def test_grade_options_default_to_the_limits_of_the_api():
    arguments = _subparsers()["grade"].parse_args([])
    defaults = Limits()
    assert (arguments.max_memory, arguments.kernel_threads) == (
        defaults.max_memory_mb, defaults.kernel_threads)
    # no time limit given: each assignment's measured limits, or the API's defaults
    assert (arguments.cell_timeout, arguments.budget) == (None, None)


@pytest.mark.parametrize("verb, option, parameter", [
    ("check", "timeout", "timeout"),
    ("demo", "out", "out"),
    ("export", "moodle_language", "moodle_language"),
    ("publish", "moodle_language", "moodle_language"),
])
def test_defaults_the_help_states_are_the_api_functions_own(verb, option, parameter):
    from autograder import api

    parser = _subparsers()[verb]
    (action,) = [a for a in parser._actions if a.dest == option]
    assert action.default is None  # not given: the API function's default applies
    stated = re.search(r"por defecto: (?:[^,)]*, )?([^)]*)\)", action.help).group(1)
    signature = inspect.signature(getattr(api, verb))
    assert stated == str(signature.parameters[parameter].default)


# The checks registry -------------------------------------------------------------------------

def test_every_property_the_exercises_report_is_registered():
    from autograder.checks import registry

    reported = set()
    for notebook in (ROOT / "exercises").glob("*/*.ipynb"):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            reported |= set(re.findall(r'report\("([a-z_0-9]+)"', "".join(cell["source"])))
    assert reported, "no hidden test found in exercises/"
    assert reported <= set(registry.PROPERTIES), reported - set(registry.PROPERTIES)


def test_a_new_exercise_module_is_found_without_editing_the_registry(tmp_path, monkeypatch):
    from autograder.checks import registry

    package = tmp_path / "throwaway_checks"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "_helpers.py").write_text("PROPERTIES = ('not a property',)\n")
    (package / "squares.py").write_text(textwrap.dedent('''
        from autograder.checks import Property

        def probe(square):
            return {"values": [square(x) for x in (1, 2, 3)]}

        def judge(observed, expected):
            if observed["values"] != expected["values"]:
                return [f"se esperaba {expected['values']}; se obtuvo {observed['values']}"]
            return []

        PROPERTIES = (Property("square_values", "Cuadrados", probe, judge,
                               reference=lambda: (lambda x: x * x)),)
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    import throwaway_checks

    modules = registry.exercise_modules(throwaway_checks)
    assert [m.__name__ for m in modules] == ["throwaway_checks.squares"]
    found = registry.collect_properties(modules)["square_values"]
    assert found.judge(found.probe(lambda x: x * x), found.expected()) == []
    assert found.judge(found.probe(lambda x: 2 * x), found.expected()) != []

    with pytest.raises(ValueError, match="square_values"):
        registry.collect_properties(modules + [_module_with(found.__class__(
            "square_values", "otra", found.probe, found.judge, None))])


def _module_with(prop):
    import types

    module = types.ModuleType("another_exercise")
    module.PROPERTIES = (prop,)
    return module
