"""What a grading kernel needs to see, worked out from the running interpreter (an allow-list).

The sandbox (`sandbox.py`) builds the kernel's file system from nothing and binds, read-only,
only what `needed()` returns:

- the Python installation: `sys.prefix`, `sys.base_prefix` (and the exec prefixes), with the
  symbolic links on the way to the interpreter (a venv's `bin/python` pointing into pyenv, say);
- the folders of packages that live outside those prefixes but that the interpreter imports:
  folders named in `.pth` files, the user's site-packages, and the import packages of editable
  installs (PEP 610 `direct_url.json`): only the packages, never the whole checkout around them;
- the system libraries: the folders of every shared library this process has mapped
  (`/proc/self/maps`) and of every library the dynamic loader's cache knows (`ldconfig -p`), so
  what TensorFlow opens later is there too; and the few `/etc` files the loader and Python read.

Answers are never bound: a folder that holds an answer package (`solutions`, say a checkout of
this project) is never bound whole, and the answer package is covered wherever Python finds it
inside a bound folder (`answer_folders`). Cached per process (the worker calls it before
every kernel); matplotlib is imported only to find its font list (`home_files`).
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import json
import os
import shutil
import site
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ANSWER_PACKAGES = ("solutions",)  # import packages that hold the reference answers
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime")
LIBRARY_SUFFIXES = (".so", ".so.")  # libfoo.so, libfoo.so.6


def autograder_package() -> Path:
    """The autograder package folder: the kernel imports `autograder.observe` from it."""
    import autograder

    return Path(autograder.__file__).resolve().parent


def answer_folders() -> list[Path]:
    """Every folder of an answer package that this interpreter could import."""
    found = []
    for name in ANSWER_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            found += [Path(p).resolve() for p in spec.submodule_search_locations]
        for entry in import_roots():
            candidate = entry / name
            if candidate.is_dir():
                found.append(candidate.resolve())
    return sorted(set(found))


def holds_answers(folder: Path) -> bool:
    """Whether `folder` is, or contains, an answer package (binding it whole would show it)."""
    folder = Path(folder).resolve()
    return any(folder == answer or folder in answer.parents for answer in answer_folders())


@functools.lru_cache(maxsize=1)
def prefixes() -> tuple[Path, ...]:
    names = (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)
    return tuple(sorted({Path(p).resolve() for p in names}))


@functools.lru_cache(maxsize=1)
def import_roots() -> tuple[Path, ...]:
    """Folders on `sys.path` that the kernel's own interpreter will also have: site folders and
    what their `.pth` files add (not the grader's working folder nor its PYTHONPATH)."""
    sites = [*site.getsitepackages(), site.getusersitepackages()]
    roots = [Path(s).resolve() for s in sites if os.path.isdir(s)]
    for folder in list(roots):
        for pth in sorted(folder.glob("*.pth")):
            roots += _pth_folders(pth)
    return tuple(dict.fromkeys(roots))


def _pth_folders(pth: Path) -> list[Path]:
    folders = []
    try:
        lines = pth.read_text(errors="replace").splitlines()
    except OSError:
        return folders
    for line in lines:
        line = line.strip()
        if not line or line.startswith(("#", "import ", "import\t")):
            continue
        folder = (pth.parent / line).resolve()
        if folder.is_dir():
            folders.append(folder)
    return folders


def editable_packages() -> list[Path]:
    """The import packages (folders or single modules) of editable installs."""
    found = []
    for distribution in importlib.metadata.distributions():
        try:
            url = json.loads(distribution.read_text("direct_url.json") or "{}")
        except (OSError, ValueError):
            continue
        if not url.get("dir_info", {}).get("editable"):
            continue
        for name in (distribution.read_text("top_level.txt") or "").split():
            try:  # another project's broken finder must not stop grading
                spec = importlib.util.find_spec(name) if name.isidentifier() else None
            except (ImportError, ValueError):
                spec = None
            if spec is None:
                continue
            if spec.submodule_search_locations:
                found += [Path(p).resolve() for p in spec.submodule_search_locations]
            elif spec.origin and os.path.isfile(spec.origin):
                found.append(Path(spec.origin).resolve())
    return found


def _inside(path: Path, folders) -> bool:
    return any(path == f or f in path.parents for f in folders)


def python_folders() -> list[Path]:
    """The interpreter, its packages and the autograder package.

    Prefixes and site folders are bound whole (an answer package inside them is covered, see
    `needed`); any other folder (a `.pth` entry, an editable install's package) is left out
    when it holds answers, because covering the answers would still show the checkout around.
    """
    folders = [*prefixes(), autograder_package(), *(f for f in import_roots() if _is_site(f))]
    for entry in [*import_roots(), *editable_packages()]:
        if not _inside(entry, folders) and not holds_answers(entry):
            folders.append(entry)
    return list(dict.fromkeys(folders))


def _is_site(folder: Path) -> bool:
    sites = [*site.getsitepackages(), site.getusersitepackages()]
    return any(folder == Path(s).resolve() for s in sites)


def kernel_python_path() -> list[str]:
    """Folders the kernel's interpreter would not find on its own: the user's site-packages
    (the kernel has another HOME) and the autograder package's parent when it is imported from
    a checkout that nothing installed (PYTHONPATH or the working folder of the grader)."""
    path = []
    user_site = Path(site.getusersitepackages()).resolve()
    if user_site in import_roots() and user_site.is_dir():
        path.append(str(user_site))
    package = autograder_package()
    if not _inside(package, [*prefixes(), *import_roots(), *editable_packages()]):
        path.append(str(package.parent))
    return path


def library_folders() -> list[Path]:
    """Folders of the shared libraries mapped here and of those the loader's cache lists."""
    names = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                if len(fields) == 6 and fields[5].startswith("/"):
                    names.add(fields[5].strip())
    except OSError:
        pass
    names |= _loader_cache()
    folders = {Path(os.path.dirname(n)) for n in names
               if any(s in os.path.basename(n) for s in LIBRARY_SUFFIXES)}
    # a library loaded from a temporary folder would show the grader's temporary files
    private = [Path(tempfile.gettempdir()).resolve(), Path("/tmp"), Path("/dev"), Path("/proc")]
    return sorted(f for f in folders if f.is_dir() and not _inside(f.resolve(), private))


def _loader_cache() -> set[str]:
    ldconfig = shutil.which("ldconfig") or next(
        (p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if os.path.exists(p)), None)
    if ldconfig is None:
        return set()  # not glibc (musl, macOS): the mapped libraries are what there is
    try:
        listing = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, timeout=10,
                                 env={"LC_ALL": "C"}).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return {line.rsplit("=> ", 1)[1].strip() for line in listing.splitlines() if "=> " in line}


def interpreter_paths() -> list[str]:
    """The interpreter as the kernel command names it, and the program loader it asks for."""
    paths = [sys.executable, os.path.realpath(sys.executable)]
    loader = elf_interpreter(os.path.realpath(sys.executable))
    return paths + ([loader] if loader else [])


def elf_interpreter(executable: str) -> str | None:
    """The PT_INTERP path of an ELF executable (`/lib64/ld-linux-x86-64.so.2`), or None."""
    try:
        with open(executable, "rb") as stream:
            header = stream.read(64)
            if header[:4] != b"\x7fELF":
                return None
            wide, order = header[4] == 2, "<" if header[5] == 1 else ">"
            if wide:  # e_phoff, then e_phentsize and e_phnum
                offset = struct.unpack(order + "Q", header[32:40])[0]
                size, count = struct.unpack(order + "HH", header[54:58])
            else:
                offset = struct.unpack(order + "I", header[28:32])[0]
                size, count = struct.unpack(order + "HH", header[42:46])
            for index in range(count):
                stream.seek(offset + index * size)
                entry = stream.read(size)
                kind = struct.unpack(order + "I", entry[:4])[0]
                if kind == 3:  # PT_INTERP
                    where, length = (struct.unpack(order + "Q", entry[8:16])[0],
                                     struct.unpack(order + "Q", entry[32:40])[0]) if wide else (
                                     struct.unpack(order + "I", entry[4:8])[0],
                                     struct.unpack(order + "I", entry[16:20])[0])
                    stream.seek(where)
                    return stream.read(length).rstrip(b"\0").decode()
    except (OSError, struct.error, UnicodeDecodeError):
        return None
    return None


def home_files() -> dict[str, str]:
    """Files the kernel finds in its (new, empty) HOME: matplotlib's font list, which every
    kernel would otherwise rebuild (about a second each). {path here: path under HOME}"""
    try:
        import matplotlib
        from matplotlib import font_manager  # reads, or builds once, the grader's font list
    except Exception:  # no matplotlib, or a broken one: the kernel builds its own
        return {}
    name = f"fontlist-v{font_manager.FontManager.__version__}.json"
    path = Path(matplotlib.get_cachedir()) / name
    return {str(path): f".cache/matplotlib/{name}"} if path.is_file() else {}


@functools.lru_cache(maxsize=1)
def needed() -> dict:
    """Read-only paths (as given: symbolic links on the way are recreated by the sandbox)."""
    read = [*map(str, python_folders()), *map(str, library_folders()),
            *(f for f in ETC_FILES if os.path.exists(f)), *interpreter_paths()]
    hide = [str(a) for a in answer_folders()
            if any(Path(r) in a.parents for r in read if os.path.isdir(r))]
    return {"read": list(dict.fromkeys(read)), "hide": hide, "home": home_files()}
