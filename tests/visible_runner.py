"""Run released notebooks' visible tests as a student would: no `autograder`, no `solutions`.

    python tests/visible_runner.py CASES.json RESULTS.json

CASES.json is a list of {"label": ..., "notebook": <a released notebook, answered>}. Each case
runs in a fresh namespace of this one process (so TensorFlow is imported once): the setup and
data cells, every cell that only defines things (the answers), then each test cell except those
of trained models (`skip`), recording grade_id -> None or the error the cell raised. Importing
the instructor's packages raises ImportError, as on a student's machine.
"""

from __future__ import annotations

import importlib.abc
import json
import os
import sys

INSTRUCTOR_PACKAGES = ("autograder", "solutions")


class _Unavailable(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in INSTRUCTOR_PACKAGES:
            raise ImportError(f"{name} is not installed on a student's machine")
        return None


def block_instructor_packages() -> None:
    sys.meta_path.insert(0, _Unavailable())
    for name in list(sys.modules):
        if name.split(".")[0] in INSTRUCTOR_PACKAGES:
            del sys.modules[name]


def _is_definition_cell(source: str) -> bool:
    import ast

    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return bool(body) and all(
        isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.Import, ast.ImportFrom)) for n in body
    )


def run_case(notebook: dict, skip: set[str]) -> dict[str, str | None]:
    namespace: dict = {"__name__": "__main__"}
    results: dict[str, str | None] = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        metadata = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = metadata.get("grade_id")
        if metadata.get("grade"):
            if grade_id in skip:
                continue
            try:
                exec(compile(source, grade_id, "exec"), namespace)
                results[grade_id] = None
            except Exception as error:  # noqa: BLE001 - any error fails the test cell
                results[grade_id] = f"{type(error).__name__}: {error}"
        elif grade_id in ("setup", "data") or _is_definition_cell(source):
            exec(compile(source, grade_id or "cell", "exec"), namespace)
    return results


def main(cases_path: str, results_path: str) -> None:
    block_instructor_packages()
    os.environ["AUTOENCODERS_COURSE_FAST"] = "1"  # bundled digits, never a download
    os.environ.setdefault("MPLBACKEND", "Agg")
    with open(cases_path, encoding="utf-8") as file:
        payload = json.load(file)
    skip = set(payload["skip"])
    results = {case["label"]: run_case(case["notebook"], skip) for case in payload["cases"]}
    with open(results_path, "w", encoding="utf-8") as file:
        json.dump(results, file, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:3])
