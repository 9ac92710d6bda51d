"""A labelled corpus for the similarity report, built offline from what the project has.

Independent work: the reference solution and every alternative-correct implementation of each
exercise (tests/mutants.py), each holding only the answer cells it wrote (the rest left as
released), and, for the written answers, the reference answer and a second answer written
apart for this corpus in similar words. Copies: each of them disguised by renaming identifiers,
rewriting comments and docstrings, reformatting, reordering functions and methods, adding dead
code, and all of these at once; written answers lightly reworded. Blank and starter-only
notebooks must never be flagged.

`course(tmp, assignment)` writes a course folder (release + submitted/) whose submissions are
named `<origin>--<disguise>`: two submissions are a copy exactly when their origins are equal.
"""

from __future__ import annotations

import ast
import builtins
import copy
import io
import random
import re
import shutil
import tokenize
from pathlib import Path

import nbformat
from exercise_notebooks import (
    ROOT,
    SOLUTION_REGION,
    STUB,
    cell,
    nbgrader_metadata,
    source_notebook,
)
from mutants import ALTERNATIVES

TEXT_STUB = "ESCRIBE AQUÍ TU RESPUESTA"
DISGUISES = ("renamed", "comments", "reformatted", "reordered", "dead_code", "all")

# Second, independent answers to the written questions: the same ideas in other words.
INDEPENDENT_ANSWERS = {
    "answer_autoencoder_vs_pca": """
La PCA busca una proyección lineal: las direcciones ortogonales con más varianza, calculadas de
una vez con la descomposición en valores singulares. El autoencoder aprende su compresión por
descenso del gradiente. Si quitamos las activaciones y usamos error cuadrático, lo que aprende
abarca el mismo subespacio que la PCA. Con capas no lineales en medio puede seguir datos que
viven en superficies curvas, como los dígitos, y por eso con dos dimensiones reconstruye mejor.
A cambio hay que elegir arquitectura y épocas, puede sobreajustar y sus ejes no tienen un orden
ni una interpretación clara.
""",
    "answer_few_labels": """
Cuando solo hay unas pocas etiquetas, la red que parte de pesos aleatorios se ajusta de memoria a
esos ejemplos y generaliza mal. El preentrenamiento por capas usa todas las imágenes sin etiquetar
para que cada capa aprenda rasgos útiles de los dígitos; el clasificador arranca de ahí y solo
tiene que afinar, así que acierta más. Con muchas etiquetas la ventaja se reduce o desaparece,
porque el entrenamiento supervisado ya tiene datos suficientes para encontrar buenos rasgos por sí
mismo.
""",
    "answer_kl_slide": """
La fórmula de la transparencia no cuadra con la del código: allí falta el factor un medio delante
de la suma o aparece multiplicando al logaritmo de la varianza. Derivando la divergencia entre dos
gaussianas, con la normal estándar como previa, sale menos un medio por la suma de uno más el
logaritmo de la varianza menos la media al cuadrado menos la varianza. Lo he comprobado con valores
concretos: media cero y varianza uno dan divergencia nula.
""",
    "answer_latent_continuity": """
En el autoencoder normal los códigos quedan donde al entrenamiento le conviene, con zonas vacías
entre clases, y si decodificamos un punto de esos huecos sale una mancha. El VAE obliga a que cada
imagen ocupe una pequeña nube alrededor de su media y, gracias al término KL, que todas se parezcan
a una normal estándar; así el espacio se rellena sin huecos y al movernos por él las imágenes
cambian poco a poco, lo que permite interpolar y generar muestras nuevas.
""",
    "answer_self_supervised": """
Ninguno de los dos modelos ve etiquetas: la señal de entrenamiento sale de los propios datos, que
hacen de entrada y de objetivo a la vez. Por eso se habla de aprendizaje autosupervisado. El
autoencoder con ruido aprende a quitarlo porque conocemos la imagen limpia, y el VAE aprende a
reconstruir y a ordenar el espacio latente sin que nadie le diga qué dígito es cada imagen.
""",
}

_SYNONYMS = {
    "métodos": "técnicas", "ejemplo": "caso", "minimizando": "reduciendo", "exacta": "cerrada",
    "aprende": "encuentra", "mismo": "igual", "puede": "es capaz de", "precio": "coste",
    "mejor": "con menos error", "pocas": "escasas", "datos": "muestras", "imágenes": "fotos",
    "entrenamiento": "ajuste", "modelo": "sistema", "espacio": "ámbito", "cada": "toda",
}


def released(nb):
    """The student version nbgrader would release: solutions and written answers as stubs."""
    result = copy.deepcopy(nb)
    for current in result.cells:
        metadata = nbgrader_metadata(current)
        if not metadata.get("solution"):
            continue
        if current.cell_type == "markdown":
            current.source = TEXT_STUB
        else:
            current.source = SOLUTION_REGION.sub(
                lambda m: "\n".join(m.group(1) + line for line in STUB.splitlines()),
                current.source)
    return result


def _solutions_without_markers(nb) -> dict[str, str]:
    """grade_id -> the reference answer of every solution cell, markers removed."""
    answers = {}
    for current in nb.cells:
        metadata = nbgrader_metadata(current)
        if metadata.get("solution"):
            text = re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", "", current.source,
                          flags=re.M)
            answers[metadata["grade_id"]] = text.strip("\n")
    return answers


def origins(assignment: str) -> dict[str, dict[str, str]]:
    """Independent works of one exercise: origin name -> {grade_id: source}."""
    reference = _solutions_without_markers(source_notebook(assignment))
    found = {"reference": reference}
    alternatives = [name for name, (a, _) in ALTERNATIVES.items() if a == assignment]
    for number, name in enumerate(alternatives):
        cells = {gid: source.strip("\n") for gid, source in ALTERNATIVES[name][1].items()}
        if number == 0:  # the first alternative also answers the questions, in its own words
            cells.update({gid: INDEPENDENT_ANSWERS[gid].strip() for gid in reference
                          if gid in INDEPENDENT_ANSWERS})
        found[name] = cells
    return found


# Disguises ---------------------------------------------------------------------------------

_KEEP = set(dir(builtins)) | {"self", "super", "keras", "layers", "ops", "np", "tf",
                                   "kwargs", "cls"}


def _edited(source: str, edits: dict) -> str:
    """`source` with tokens replaced: edits maps a token's (start, end) positions to its text."""
    starts = [0]
    for line in source.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    text = source
    for ((row, col), (end_row, end_col)), new in sorted(edits.items(), reverse=True):
        a, b = starts[row - 1] + col, starts[end_row - 1] + end_col
        text = text[:a] + new + text[b:]
    return text


def _tokens(source: str) -> list[tokenize.TokenInfo]:
    return list(tokenize.generate_tokens(io.StringIO(source).readline))


def renamed(source: str, seed: int = 0) -> str:
    """Every name the cell defines (functions, classes, arguments, variables, attributes)
    gets another one; modules, keyword arguments of calls and built-ins keep theirs."""
    defined = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            defined.add(node.attr)
    defined -= _KEEP | {name for name in defined if name.startswith("__")}
    rng = random.Random(seed)
    new = {name: f"{rng.choice(['val', 'obj', 'item', 'tmp', 'my'])}_{name[::-1]}"
           for name in sorted(defined)}
    tokens = _tokens(source)
    edits = {}
    for index, token in enumerate(tokens):
        if token.type != tokenize.NAME or token.string not in new:
            continue
        following = tokens[index + 1].string if index + 1 < len(tokens) else ""
        previous = tokens[index - 1].string if index else ""
        if not (following == "=" and previous in ("(", ",")):  # f(x=...) keeps x
            edits[(token.start, token.end)] = new[token.string]
    return _edited(source, edits)


def comments_rewritten(source: str) -> str:
    """Other comments and docstrings, and a comment after some more lines."""
    edits = {}
    for token in _tokens(source):
        if token.type == tokenize.COMMENT:
            edits[(token.start, token.end)] = "# paso necesario para el ejercicio"
        elif token.type == tokenize.STRING and token.string.startswith(('"""', "'''")):
            edits[(token.start, token.end)] = '"""Hecho por mí: explicación propia."""'
    lines = _edited(source, edits).split("\n")
    return "\n".join(
        line + "  # comprobado" if line.rstrip().endswith(")") and "#" not in line
        and '"""' not in line and i % 2 else line
        for i, line in enumerate(lines))


def reformatted(source: str) -> str:
    """Spaces around every token, single quotes, blank lines between statements."""
    tokens = [(t.type, t.string.replace('"', "'") if t.type == tokenize.STRING
               and '"""' not in t.string and "'" not in t.string else t.string)
              for t in _tokens(source)]
    text = tokenize.untokenize(tokens)
    return re.sub(r"\n(?=[^\n])", "\n\n", text, count=8)


def reordered(source: str) -> str:
    """Top-level definitions in reverse order, and each class's methods too (decorators and
    all; other statements stay first)."""
    tree = ast.parse(source)
    lines = source.split("\n")

    def span(node):
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        return first - 1, node.end_lineno

    def block(nodes, indent_lines):
        return ["\n".join(indent_lines[a:b]) for a, b in (span(n) for n in nodes)]

    definitions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    others = [n for n in tree.body if n not in definitions]
    parts = ["\n".join(lines[span(n)[0]:span(n)[1]]) for n in others]
    for node in reversed(definitions):
        if isinstance(node, ast.ClassDef):
            methods = [n for n in node.body if isinstance(n, ast.FunctionDef)]
            start, end = span(node)
            header_end = span(methods[0])[0] if methods else end
            rest = [n for n in node.body if n not in methods]
            head = lines[start:header_end]
            if rest and span(rest[-1])[0] >= header_end:  # statements after methods: keep
                parts.append("\n".join(lines[start:end]))
                continue
            parts.append("\n".join(head + ["\n".join(b) for b in
                                           [block([m], lines) for m in reversed(methods)]]))
        else:
            parts.append("\n".join(lines[span(node)[0]:span(node)[1]]))
    return "\n\n\n".join(parts)


def dead_code(seed: int) -> str:
    """An unused helper function, different for every seed: random statements over its
    arguments (loops, conditions, arithmetic, lists)."""
    rng = random.Random(seed)
    names = rng.sample(["total", "count", "best", "acc", "step", "ratio", "level", "extra"], 4)
    operators = ["+", "-", "*", "//", "%"]
    lines = [f"def _helper_{seed}(values, factor={rng.randint(2, 9)}):",
             f"    {names[0]} = {rng.randint(0, 5)}"]
    for _ in range(rng.randint(4, 7)):
        a, b = rng.sample(names[:1] + ["factor", "len(values)", str(rng.randint(1, 99))], 2)
        choice = rng.randrange(4)
        if choice == 0:
            update = f"{rng.choice(operators)}= value {rng.choice(operators)} {b}"
            lines += ["    for value in values:", f"        {names[0]} {update}"]
        elif choice == 1:
            lines += [f"    if {a} > {b}:", f"        {names[1]} = [{a}, {b}, {rng.randint(0, 9)}]",
                      "    else:", f"        {names[1]} = []"]
        elif choice == 2:
            lines += [f"    {names[2]} = max({a}, {b}) {rng.choice(operators)} {rng.randint(1, 9)}"]
        else:
            lines += [f"    while {names[0]} > {rng.randint(100, 999)}:",
                      f"        {names[0]} //= {rng.randint(2, 5)}"]
    lines.append(f"    return {names[0]}")
    return "\n".join(lines)


def with_dead_code(source: str, seed: int = 0) -> str:
    """An unused helper function after the code, and an unused assignment before it."""
    return f"_debug_{seed} = {seed % 7}\n{source}\n\n\n{dead_code(seed)}\n"


def reworded(text: str) -> str:
    """Light rewording: some words swapped for synonyms, the sentences in another order."""
    for word, other in _SYNONYMS.items():
        text = re.sub(rf"\b{word}\b", other, text)
    sentences = [s.strip() for s in re.split(r"(?<=[.:])\s+", text.replace("\n", " ")) if s]
    return " ".join(sentences[1:] + sentences[:1]) if len(sentences) > 1 else text


def disguised(source: str, how: str, kind: str, seed: int) -> str:
    if kind == "markdown":
        return reworded(source)
    steps = {
        "renamed": [lambda s: renamed(s, seed)],
        "comments": [comments_rewritten],
        "reformatted": [reformatted],
        "reordered": [reordered],
        "dead_code": [lambda s: with_dead_code(s, seed)],
        "all": [reordered, lambda s: renamed(s, seed), comments_rewritten,
                lambda s: with_dead_code(s, seed),
                reformatted],
    }[how]
    for step in steps:
        source = step(source)
    ast.parse(source)  # every disguise is still Python
    return source


# Notebooks and the course folder -------------------------------------------------------------

def submission(assignment: str, answers: dict[str, str]):
    nb = released(source_notebook(assignment))
    for grade_id, text in answers.items():
        cell(nb, grade_id).source = text
    return nb


def corpus(assignment: str) -> dict[str, nbformat.NotebookNode]:
    """Submission name -> notebook: `<origin>--original`, `<origin>--<disguise>`, and the
    never-to-be-flagged `blank--*`."""
    notebooks = {}
    source = source_notebook(assignment)
    kinds = {nbgrader_metadata(c).get("grade_id"): c.cell_type for c in source.cells}
    for number, (origin, answers) in enumerate(origins(assignment).items()):
        notebooks[f"{origin}--original"] = submission(assignment, answers)
        for offset, how in enumerate(DISGUISES):
            changed = {gid: disguised(text, how, kinds[gid], seed=10 * number + offset)
                       for gid, text in answers.items()}
            notebooks[f"{origin}--{how}"] = submission(assignment, changed)
    starter = released(source)
    notebooks["blank--starter_only"] = starter
    empty = copy.deepcopy(starter)
    for current in empty.cells:
        if nbgrader_metadata(current).get("solution"):
            current.source = ""
    notebooks["blank--emptied"] = empty
    notebooks["blank--no_cells"] = nbformat.v4.new_notebook()
    return notebooks


def course(folder: Path, assignment: str, notebooks: dict | None = None) -> Path:
    """A course folder with the assignment released and the corpus collected in submitted/."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    (folder / "exercises" / assignment).mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "exercises" / assignment / f"{assignment}.ipynb",
                folder / "exercises" / assignment / f"{assignment}.ipynb")
    release = folder / "release" / assignment
    release.mkdir(parents=True, exist_ok=True)
    nbformat.write(released(source_notebook(assignment)), release / f"{assignment}.ipynb")
    for name, nb in (notebooks if notebooks is not None else corpus(assignment)).items():
        target = folder / "submitted" / name / assignment
        target.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target / f"{assignment}.ipynb")
    return folder


def origin(who: str) -> str:
    return who.split("--")[0]
