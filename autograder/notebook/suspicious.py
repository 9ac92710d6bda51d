"""Flag submissions whose code reaches for the grader's or the kernel's machinery.

Hidden test cells publish their observations from the student's kernel (`observe.py`), so code
running in that kernel could replace `report`, IPython's display publisher or the kernel's
sockets and publish made-up observations. That cannot be prevented in-process; this static scan
of the code the student wrote makes it visible instead. Honest answers to these exercises (Keras
models, NumPy functions, training loops) need none of the markers below. A finding never changes
a score: it becomes a problem, so the submission shows under "needs attention" in the
instructor's report and the student's feedback says why.
"""

from __future__ import annotations

import ast
import re

from nbformat import NotebookNode

from autograder import messages
from autograder.notebook.notebook_file import cell_grade_id
from autograder.notebook.source import SourceNotebook
from autograder.results import Problem

# What is flagged ------------------------------------------------------------------------------

# Modules an answer never imports: the grader, the kernel and its messaging, and the ways into the
# interpreter's memory, import system and builtins, other processes, signals and the network.
MODULES = frozenset({
    "autograder", "nbgrader", "ipykernel", "jupyter_client", "zmq", "IPython",
    "ctypes", "importlib", "builtins", "inspect", "subprocess", "socket", "signal",
})
ALLOWED_MODULES = frozenset({"IPython.display"})  # display(), clear_output(): common, harmless

# Attributes of modules the notebooks import anyway (os, sys): swapping imported code, tracing
# other code's frames, or ending, forking or leaving the kernel's process.
ATTRIBUTES = {
    "sys": frozenset({"modules", "meta_path", "path_hooks", "settrace", "setprofile",
                      "_getframe"}),
    "os": frozenset({"_exit", "fork", "forkpty", "system", "popen", "kill", "killpg",
                     "execv", "execve", "execvp", "execvpe", "posix_spawn", "posix_spawnp"}),
    "gc": frozenset({"get_objects", "get_referrers", "get_referents"}),  # gc.collect() is fine
    "IPython.display": frozenset({"publish_display_data"}),
}

# Attributes that reach from any function or class into the globals, code or builtins behind it
# (`report.__globals__` is the module that publishes observations).
DUNDERS = frozenset({"__globals__", "__code__", "__closure__", "__builtins__",
                     "__subclasses__"})

# Names of the interpreter's machinery.
NAMES = frozenset({"__builtins__", "__import__"})

# The kernel's history of executed cells (test cells included); flagged unless the cell itself
# assigns the name.
HISTORY = frozenset({"In", "Out", "_ih", "_oh", "_dh"})

# IPython's shell: every use is flagged except the magics below (`!cmd` and `%magic` become
# `get_ipython().system(...)` and `get_ipython().run_line_magic(...)` calls).
SHELL = "get_ipython"
ALLOWED_LINE_MAGICS = frozenset({"matplotlib", "time", "timeit"})  # %matplotlib inline
ALLOWED_CELL_MAGICS = frozenset({"time", "timeit"})

# Builtins that run code built at run time, which would hide anything else from this scan.
DYNAMIC_CODE = frozenset({"exec", "eval", "compile"})

# Text that only someone forging observations or reading the kernel's process would write.
TEXTS = ("vnd.autograder", ".observation+json", "publish_display_data", "display_pub",
         "input_transformers", "/proc/")

# Display functions are flagged when handed a dict keyed by MIME type: a hand-made output.
DISPLAY_FUNCTIONS = frozenset({"display", "publish_display_data", "publish", "update_display"})
_MIME_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")

_MAGIC_DEPTH = 2  # cell magic bodies are code too (%%time, %%capture): scanned this deep


# Scanning a notebook --------------------------------------------------------------------------

def suspicious_code(nb: NotebookNode, source: SourceNotebook) -> list[Problem]:
    """One problem per code cell the student controls that uses any marker, in notebook order."""
    problems = []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        grade_id = cell_grade_id(cell) or ""
        original = source.cell(grade_id) if grade_id else None
        if original is not None and original.locked:
            continue  # the instructor's cell: nbgrader puts its source back before it runs
        found = findings(_text(cell.get("source", "")))
        if found:
            problems.append(messages.suspicious_code(source.name, grade_id, found, number))
    return problems


def findings(code: str, depth: int = 0) -> list[str]:
    """Short labels of the markers `code` (a cell, IPython syntax allowed) uses, each once."""
    python = _as_python(code)
    try:
        found = _tree_findings(ast.parse(python), depth)
    except Exception:  # noqa: BLE001 - a syntax error, or a cell too deep or odd to parse
        found = _text_findings(python)
    return list(dict.fromkeys(found))


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def _as_python(code: str) -> str:
    """The cell as the kernel runs it: IPython's `!` and `%` syntax turned into calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(code)
    except Exception:  # noqa: BLE001 - scan the text as written
        return code


# The syntax tree ------------------------------------------------------------------------------

def _tree_findings(tree: ast.AST, depth: int) -> list[str]:
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    aliases = _module_aliases(tree)
    assigned = {node.id for node in ast.walk(tree)
                if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)}
    found: list[tuple[tuple[int, int], str]] = []  # (where in the cell, label)
    for node in ast.walk(tree):
        position = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        found += [(position, label) for label in _node_findings(node, parents, aliases,
                                                                 assigned, depth) if label]
    return [label for _, label in sorted(found, key=lambda item: item[0])]


def _node_findings(node: ast.AST, parents: dict, aliases: dict[str, str], assigned: set[str],
                   depth: int) -> list[str]:
    if isinstance(node, ast.Import):
        return [f"import {_root(alias.name)}" for alias in node.names if _flagged(alias.name)]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        found = [f"import {_root(node.module)}"] if _flagged(node.module) else []
        return found + [_attribute_label(node.module, alias.name) for alias in node.names]
    if isinstance(node, ast.Attribute):
        return [_attribute_label(_module_of(node.value, aliases), node.attr)]
    if isinstance(node, ast.Name):
        if node.id in NAMES:
            return [node.id]
        if node.id == SHELL:
            return _shell_findings(node, parents, depth)
        if node.id in HISTORY and node.id not in assigned:
            return [node.id]
    if isinstance(node, ast.Call):
        return _call_findings(node, aliases)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [text for text in TEXTS if text in node.value]
    return []


def _root(module: str) -> str:
    return module.split(".")[0]


def _flagged(module: str) -> bool:
    return _root(module) in MODULES and module not in ALLOWED_MODULES


def _module_aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> module, from the cell's imports (`import os as system_tools`)."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _module_of(node: ast.AST, aliases: dict[str, str]) -> str:
    """The module an expression names: `os`, an alias of it, or `__import__("os")`."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id)
    if isinstance(node, ast.Call) and _called_name(node) in ("__import__", "import_module"):
        return _string_argument(node, 0) or ""
    return ""


def _attribute_label(module: str, attribute: str) -> str:
    if attribute in DUNDERS:
        return f".{attribute}"
    if attribute in ATTRIBUTES.get(module, ()):
        return f"{module}.{attribute}"
    return ""


def _called_name(call: ast.Call) -> str:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return ""


def _string_argument(call: ast.Call, position: int) -> str | None:
    if len(call.args) > position:
        argument = call.args[position]
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            return argument.value
    return None


def _call_findings(call: ast.Call, aliases: dict[str, str]) -> list[str]:
    name = _called_name(call)
    found = []
    if isinstance(call.func, ast.Name) and name in DYNAMIC_CODE:
        found.append(f"{name}()")
    if name in ("__import__", "import_module"):
        module = _string_argument(call, 0) or ""
        if _flagged(module):
            found.append(f"import {_root(module)}")
    if isinstance(call.func, ast.Name) and name in ("getattr", "setattr", "delattr", "hasattr"):
        attribute = _string_argument(call, 1)
        if attribute:
            found.append(_attribute_label(_module_of(call.args[0], aliases), attribute))
    if name in DISPLAY_FUNCTIONS and _hands_mime_dict(call):
        found.append(f"{name}() con un tipo MIME")
    return found


def _hands_mime_dict(call: ast.Call) -> bool:
    values = [*call.args, *(keyword.value for keyword in call.keywords)]
    return any(
        isinstance(key, ast.Constant) and isinstance(key.value, str)
        and _MIME_TYPE.match(key.value)
        for value in values if isinstance(value, ast.Dict) for key in value.keys
    )


def _shell_findings(name: ast.Name, parents: dict, depth: int) -> list[str]:
    """`get_ipython().method(argument, ...)` as a short label, plus what a magic's body uses."""
    call = parents.get(name)
    if not (isinstance(call, ast.Call) and call.func is name):
        return [SHELL]  # the function itself, passed around or renamed
    attribute = parents.get(call)
    if not (isinstance(attribute, ast.Attribute) and attribute.value is call):
        return [f"{SHELL}()"]
    method_call = parents.get(attribute)
    if not (isinstance(method_call, ast.Call) and method_call.func is attribute):
        return [_shell_label(attribute.attr, None)]
    argument = _string_argument(method_call, 0)
    label = _shell_label(attribute.attr, argument)
    body_position = {"run_line_magic": 1, "run_cell_magic": 2}.get(attribute.attr)
    body = _string_argument(method_call, body_position) if body_position else None
    inner = findings(body, depth + 1) if body and depth < _MAGIC_DEPTH else []
    return ([label] if label else []) + inner


def _shell_label(method: str, argument: str | None) -> str:
    """The label of `get_ipython().method(argument)`: "" for an allowed magic."""
    if method in ("system", "getoutput"):
        return "!" + (argument.split()[0] if argument and argument.split() else "")
    if method == "run_line_magic" and argument:
        return "" if argument in ALLOWED_LINE_MAGICS else f"%{argument}"
    if method == "run_cell_magic" and argument:
        return "" if argument in ALLOWED_CELL_MAGICS else f"%%{argument}"
    return f"{SHELL}().{method}"


# Plain text, for a cell that does not parse ---------------------------------------------------

_ALLOWED_MAGIC_TEXT = re.compile(
    r"^[ \t]*%(?:" + "|".join(ALLOWED_LINE_MAGICS) + r")\b"
    r"|get_ipython\(\)\.run_line_magic\(\s*['\"](?:" + "|".join(ALLOWED_LINE_MAGICS) + r")['\"]",
    re.M,
)
_SHELL_CALL = re.compile(r"get_ipython\(\)\s*\.\s*(\w+)(?:\(\s*['\"]([^'\"]*))?")
_SHELL_LINE = re.compile(r"^[ \t]*!+[ \t]*(\S*)", re.M)
_MAGIC_LINE = re.compile(r"^[ \t]*(%%?)(\w+)", re.M)


def _text_findings(text: str) -> list[str]:
    """The same markers, looked for in the text: rougher, never raises."""
    text = _ALLOWED_MAGIC_TEXT.sub("", text)
    found = []
    for module in sorted(MODULES):
        if re.search(rf"^[ \t]*(?:from|import)[ \t][^\n#]*?(?<![\w.]){module}\b", text, re.M):
            found.append(f"import {module}")
    for module, attributes in ATTRIBUTES.items():
        found += [f"{module}.{attribute}" for attribute in sorted(attributes)
                  if re.search(rf"\b{module}\s*\.\s*{attribute}\b", text)]
    found += [f".{name}" for name in sorted(DUNDERS) if re.search(rf"\.\s*{name}\b", text)]
    found += [name for name in sorted(NAMES) if re.search(rf"\b{name}\b", text)]
    found += [name for name in sorted(HISTORY) if re.search(rf"(?<![\w.]){name}\b", text)]
    found += [_shell_label(method, argument) or "" for method, argument
              in _SHELL_CALL.findall(text)]
    if re.search(rf"\b{SHELL}\b", _SHELL_CALL.sub("", text)):
        found.append(SHELL)
    found += ["!" + command for command in _SHELL_LINE.findall(text)]
    found += [f"{percent}{magic}" for percent, magic in _MAGIC_LINE.findall(text)]
    found += [f"{name}()" for name in sorted(DYNAMIC_CODE)
              if re.search(rf"(?<![\w.]){name}\s*\(", text)]
    found += [text_marker for text_marker in TEXTS if text_marker in text]
    return [label for label in found if label]
