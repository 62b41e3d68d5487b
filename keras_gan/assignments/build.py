"""Builds the student version of a tutorial notebook from the full one.

The full notebook marks what students write with nbgrader's markers, inside a function's body
(after its docstring) or around whole definitions:

```python
def gradient_penalty(critic, real, fake, epsilon):
    \"\"\"...\"\"\"
    ### BEGIN SOLUTION
    ...
    ### END SOLUTION
```

`build_notebook` replaces each region with `raise NotImplementedError("TODO: ...")`, keeping
the signature and the docstring, deletes `### BEGIN HIDDEN TESTS` ... `### END HIDDEN TESTS`
regions and every cell tagged `instructor-solution` (the exercises' worked solutions, markdown
or code: `# %% tags=["instructor-solution"]` in a jupytext source), clears every output, and records the graded definitions in the notebook's metadata
(`keras_gan_assignment`), which the grader reads. Build it again whenever the tutorial changes:
the student version is generated, never edited, so the two cannot drift.

    python -m keras_gan.assignments build tutorials/04_wasserstein.ipynb --output student/
"""

import ast
import copy
import hashlib
import json
import os
import re

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
INSTRUCTOR_TAG = "instructor-solution"  # a whole cell only the instructor's copy keeps
METADATA_KEY = "keras_gan_assignment"
MANIFEST = "manifest.json"


class BuildError(ValueError):
    """The full notebook's markers cannot be turned into a student version."""


def read_notebook(path):
    """Reads an `.ipynb`, or a jupytext `.py` (percent format), as an `nbformat` notebook."""
    import nbformat

    if str(path).endswith(".py"):
        import jupytext

        return jupytext.read(path)
    return nbformat.read(path, as_version=4)


def cell_source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def marker_regions(lines, begin, end, where=""):
    """`[(first, last)]` line indices of each `begin` ... `end` pair (markers included)."""
    regions, start = [], None
    for i, line in enumerate(lines):
        text = line.strip()
        if text.startswith(begin):
            if start is not None:
                raise BuildError(f"{where}: '{begin}' on line {i + 1} inside another region")
            start = i
        elif text.startswith(end):
            if start is None:
                raise BuildError(f"{where}: '{end}' on line {i + 1} without '{begin}'")
            regions.append((start, i))
            start = None
    if start is not None:
        raise BuildError(f"{where}: '{begin}' on line {start + 1} is never closed by '{end}'")
    return regions


def _definitions(tree):
    """`[(qualname, node)]` for every function and class, nested ones included."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                found.append((name, child))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _enclosing(definitions, line_number):
    """Qualified name of the innermost function around a (1-based) line, or None."""
    best = None
    for name, node in definitions:
        if isinstance(node, ast.ClassDef):
            continue
        if node.lineno < line_number <= node.end_lineno:
            if best is None or node.lineno >= best[1].lineno:
                best = (name, node)
    return best[0] if best else None


def _stub(indent, name):
    what = f"`{name}`" if name else "this part"
    return f'{indent}raise NotImplementedError("TODO: write {what} (see the instructions above)")'


def _stub_definitions(region_lines, indent):
    """Stubs for a region that holds whole definitions: signature + docstring + raise."""
    import textwrap

    code = textwrap.dedent("\n".join(region_lines))
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None, []
    code_lines = code.split("\n")
    stubs, names = [], []

    def stub_function(node, prefix, pad):
        body_start = node.body[0]
        keep_to = node.body[0].lineno - 1  # lines before the body: decorators, signature
        has_doc = (
            isinstance(body_start, ast.Expr)
            and isinstance(getattr(body_start, "value", None), ast.Constant)
            and isinstance(body_start.value.value, str)
        )
        first = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1
        if has_doc:
            keep_to = body_start.end_lineno
        kept = code_lines[first:keep_to]
        body_pad = pad + " " * 4
        if not has_doc and len(node.body) and node.body[0].lineno == node.lineno:
            return None  # one-line def: cannot split the signature from the body
        names.append(prefix + node.name)
        return kept + [_stub(body_pad, prefix + node.name)]

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = stub_function(node, "", "")
        elif isinstance(node, ast.ClassDef):
            header_end = node.body[0].lineno - 1
            first = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1
            lines = code_lines[first:header_end]
            for child in node.body:
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    child_lines = stub_function(child, node.name + ".", " " * child.col_offset)
                    if child_lines is None:
                        return None, []
                    lines += child_lines
                else:
                    lines += code_lines[child.lineno - 1 : child.end_lineno]
        else:
            continue  # statements between definitions are part of the solution: dropped
        if lines is None:
            return None, []
        stubs += lines + [""]
    if not names:
        return None, []
    while stubs and not stubs[-1].strip():
        stubs.pop()
    return [indent + line if line.strip() else line for line in stubs], names


def stub_source(source, where="cell"):
    """Student version of one code cell's source.

    Returns:
        `(new_source, graded_names, solution_lines)`: the cell with each solution region
        replaced by a stub and hidden tests removed; the qualified names of the definitions
        the student completes; the non-blank lines that were removed from solution regions.
    """
    lines = source.split("\n")
    hidden = marker_regions(lines, BEGIN_HIDDEN, END_HIDDEN, where)
    solutions = marker_regions(lines, BEGIN_SOLUTION, END_SOLUTION, where)
    if not hidden and not solutions:
        return source, [], []
    try:
        definitions = _definitions(ast.parse(source))
    except SyntaxError as error:
        raise BuildError(f"{where}: the full notebook does not parse: {error}") from error
    replacements = {}  # first line -> (last line, new lines)
    graded, removed = [], []
    for first, last in hidden:
        replacements[first] = (last, [])
    for first, last in solutions:
        indent = re.match(r"\s*", lines[first]).group(0)
        body = lines[first + 1 : last]
        removed += [
            line.strip() for line in body if line.strip() and not line.strip().startswith("#")
        ]
        name = _enclosing(definitions, first + 1)
        if name is not None:
            new = [_stub(indent, name)]
            graded.append(name)
        else:
            new, names = _stub_definitions(body, indent)
            if new is None:
                raise BuildError(
                    f"{where}: the solution region on line {first + 1} is neither inside a "
                    "function nor made of whole definitions, so no stub can keep a signature"
                )
            graded += names
        replacements[first] = (last, new)
    out, i = [], 0
    while i < len(lines):
        if i in replacements:
            last, new = replacements[i]
            out += new
            i = last + 1
        else:
            out.append(lines[i])
            i += 1
    new_source = "\n".join(out)
    try:
        ast.parse(new_source)
    except SyntaxError as error:  # e.g. a region that split a statement
        raise BuildError(f"{where}: the student version does not parse: {error}") from error
    return new_source, list(dict.fromkeys(graded)), removed


def is_instructor_cell(cell):
    """True for a cell tagged `instructor-solution` (an exercise's worked solution)."""
    return INSTRUCTOR_TAG in cell.get("metadata", {}).get("tags", [])


def has_solutions(notebook):
    """True when the notebook holds anything a student or the public must not see."""
    return any(
        is_instructor_cell(cell)
        or (cell.get("cell_type") == "code" and BEGIN_SOLUTION in cell_source(cell))
        for cell in notebook.cells
    )


def build_notebook(notebook, source_name="notebook", keep_outputs=False):
    """The student version of an `nbformat` notebook (a new object) and its manifest entry.

    `keep_outputs=True` keeps the outputs of every cell whose source is unchanged (the
    documentation's executed pages); a cell that held a solution always loses its outputs.
    """
    student = copy.deepcopy(notebook)
    instructor_cells = [c for c in student.cells if is_instructor_cell(c)]
    student.cells = [c for c in student.cells if not is_instructor_cell(c)]
    graded, removed, regions = [], [], 0
    for index, cell in enumerate(student.cells):
        if cell.get("cell_type") != "code":
            continue
        source = cell_source(cell)
        new_source, names, lines = stub_source(source, where=f"{source_name}, code cell {index}")
        if new_source != source:
            regions += source.count(BEGIN_SOLUTION)
            cell["source"] = new_source
            for name in names:
                graded.append({"name": name, "cell": index})
            removed += lines
        if not keep_outputs or new_source != source:
            cell["outputs"] = []
            cell["execution_count"] = None
    student.metadata.pop("jupytext", None)
    info = {
        "source": source_name,
        "source_sha256": hashlib.sha256(
            json.dumps([cell_source(c) for c in notebook.cells]).encode()
        ).hexdigest(),
        "graded": graded,
        "solution_regions": regions,
        "instructor_cells_removed": len(instructor_cells),
        "built_by": "python -m keras_gan.assignments build",
    }
    student.metadata[METADATA_KEY] = info
    return student, info, removed


def build(path, output_dir="student"):
    """Writes the student version of the notebook at `path` into `output_dir`.

    Also merges its entry into `output_dir/manifest.json`.

    Args:
        path: str, a full tutorial notebook (`.ipynb`, or a jupytext `.py`).
        output_dir: str, folder for the student notebooks. Defaults to `"student"`.

    Returns:
        dict, the manifest entry: source, its hash, graded definitions, output path.
    """
    import nbformat

    if not os.path.exists(path):
        raise BuildError(f"No notebook at {path!r}")
    notebook = read_notebook(path)
    name = os.path.splitext(os.path.basename(path))[0]
    student, info, _ = build_notebook(notebook, source_name=os.path.basename(path))
    if not info["graded"] and not info["instructor_cells_removed"]:
        # a notebook with worked solutions only (08-10) still needs its student copy
        raise BuildError(
            f"{path} has no '{BEGIN_SOLUTION}' ... '{END_SOLUTION}' region and no cell tagged "
            f"'{INSTRUCTOR_TAG}': nothing to leave to the student"
        )
    os.makedirs(output_dir, exist_ok=True)
    target = os.path.join(output_dir, name + ".ipynb")
    nbformat.write(student, target)
    manifest_path = os.path.join(output_dir, MANIFEST)
    manifest = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    info = {**info, "output": target}
    manifest[name] = info
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    return info
