"""Regenerate the slides' figures and the class-mode figures of course/README.md.

    python course/make_figures.py            # class mode: the bundled 28x28 MNIST subset
    python course/make_figures.py --fast     # quick check on digits, written to a temporary folder
    python course/make_figures.py 02         # only notebook 02

Runs the course notebooks top to bottom with nbclient, the way a student runs them, and saves
the first image of every code cell tagged `figure:NAME` as `figures/NAME.png`. The table each
notebook prints at the end ("name = value" lines) goes to `figures/cifras-NN.json` (one per
notebook), with the run time, the machine and the date; tests/test_course.py (and, for 03,
tests/test_course_conditional.py) checks that those numbers say what the notebooks' prose says.
Needs the course's packages and a Jupyter kernel named python3; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import re
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbclient import NotebookClient

COURSE = Path(__file__).resolve().parent
NOTEBOOKS = {
    "01": "01-trabajando-con-autoencoders.ipynb",
    "02": "02-generando-datos-con-vae.ipynb",
    "03": "03-vae-condicional.ipynb",
}
TABLE_LINE = re.compile(r"^(\w+) = (-?\d+(?:\.\d+)?)$")


def results_table(notebook) -> dict[str, float]:
    """The `name = value` lines the notebook's last code cell printed."""
    last = [cell for cell in notebook.cells if cell.cell_type == "code"][-1]
    text = "".join(out.get("text", "") for out in last.outputs if out.output_type == "stream")
    return {m.group(1): float(m.group(2)) for m in map(TABLE_LINE.match, text.splitlines()) if m}


def run(name: str, fast: bool, figures: Path) -> dict:
    notebook = nbformat.read(COURSE / name, as_version=4)
    env_backup = dict(os.environ)
    os.environ.pop("MPLBACKEND", None)
    os.environ.pop("AUTOENCODERS_COURSE_FAST", None)
    if fast:
        os.environ["AUTOENCODERS_COURSE_FAST"] = "1"
    start = time.monotonic()
    try:
        NotebookClient(notebook, timeout=900, kernel_name="python3",
                       resources={"metadata": {"path": str(COURSE)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    seconds = time.monotonic() - start
    for cell in notebook.cells:
        for tag in cell.metadata.get("tags", []):
            if tag.startswith("figure:"):
                png = next(out.data["image/png"] for out in cell.outputs if "image/png" in
                           out.get("data", {}))
                (figures / f"{tag[len('figure:'):]}.png").write_bytes(base64.b64decode(png))
    return {"seconds": round(seconds, 1), "results": results_table(notebook)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="digits, few epochs, temporary folder")
    parser.add_argument("notebooks", nargs="*", help="which notebooks (01, 02, 03); default: all")
    args = parser.parse_args(argv)
    if set(args.notebooks) - set(NOTEBOOKS):
        parser.error(f"unknown notebook: use {', '.join(NOTEBOOKS)}")
    figures = Path(tempfile.mkdtemp()) if args.fast else COURSE / "figures"
    figures.mkdir(exist_ok=True)
    for number, name in NOTEBOOKS.items():
        if args.notebooks and number not in args.notebooks:
            continue
        summary = run(name, args.fast, figures)
        summary.update({
            "notebook": name,
            "mode": "fast" if args.fast else "class",
            "command": "python course/make_figures.py" + (" --fast" if args.fast else ""),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        })
        (figures / f"cifras-{number}.json").write_text(
            json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"{name}: {summary['seconds']} s")
    print(f"figures in {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
