"""Fast checks of the tutorial notebooks' sources (no notebook is executed here).

`scripts/run_tutorials.sh` executes them; these tests keep the committed files consistent: every
jupytext source `tutorials/NN_topic.py` has its paired `.ipynb` with the same code cells, a
papermill `parameters` cell with `quick`, an "Exercises" section, and no outputs committed.
"""

import ast
import pathlib
import re

import pytest

jupytext = pytest.importorskip("jupytext")

TUTORIALS = pathlib.Path(__file__).resolve().parents[1] / "tutorials"
SOURCES = sorted(TUTORIALS.glob("[0-9][0-9]_*.py"))
NOTEBOOKS = sorted(TUTORIALS.glob("[0-9][0-9]_*.ipynb"))


def _code(notebook):
    return [cell.source.strip() for cell in notebook.cells if cell.cell_type == "code"]


def test_there_are_tutorials():
    assert len(SOURCES) >= 3, f"no tutorial sources found in {TUTORIALS}"


def test_numbers_are_unique_and_every_notebook_has_a_source():
    numbers = [path.name[:2] for path in SOURCES]
    assert len(numbers) == len(set(numbers)), f"two tutorials share a number: {numbers}"
    orphans = [nb.name for nb in NOTEBOOKS if not nb.with_suffix(".py").exists()]
    assert not orphans, f"notebooks without a .py source: {orphans}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_paired_notebook_has_the_same_code_cells(source):
    paired = source.with_suffix(".ipynb")
    assert paired.exists(), (
        f"{source.name} has no paired notebook: run jupytext --to ipynb {source}"
    )
    from_source = jupytext.read(source)
    from_notebook = jupytext.read(paired)
    assert _code(from_notebook) == _code(from_source), (
        f"{paired.name} has drifted from {source.name}: regenerate it with "
        f"`jupytext --to ipynb {source.relative_to(TUTORIALS.parent)}`"
    )
    markdown = lambda nb: [c.source.strip() for c in nb.cells if c.cell_type == "markdown"]  # noqa: E731
    assert markdown(from_notebook) == markdown(from_source), f"{paired.name}: markdown drifted"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_parameters_cell_with_quick(source):
    notebook = jupytext.read(source)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{source.name}: needs exactly one cell tagged 'parameters'"
    assert tagged[0].cell_type == "code"
    assert re.search(r"^quick\s*=\s*False\b", tagged[0].source, re.M), (
        f"{source.name}: the parameters cell must define `quick = False` (papermill sets True)"
    )
    # The paired notebook carries the tag too, or papermill would not inject the parameters.
    paired = jupytext.read(source.with_suffix(".ipynb"))
    assert any("parameters" in c.metadata.get("tags", []) for c in paired.cells)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_the_first_cell_says_what_the_student_will_be_able_to_do(source):
    first = jupytext.read(source).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {source.name[:2]} · ")
    match = re.search(r"\*\*What you will be able to do:\*\* (.+?)(\n\n|$)", first.source, re.S)
    assert match, f"{source.name}: the first cell has no 'What you will be able to do' paragraph"
    assert len(match.group(1)) >= 80, f"{source.name}: say what the student will be able to do"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_exercises_section_is_last_and_has_three_to_five(source):
    notebook = jupytext.read(source)
    headings = [
        (i, c) for i, c in enumerate(notebook.cells)
        if c.cell_type == "markdown" and re.search(r"^#+\s*Exercises", c.source, re.M)
    ]  # fmt: skip
    assert headings, f"{source.name}: no 'Exercises' section"
    index, cell = headings[-1]
    # only the instructor's worked solutions (dropped from student versions and the site) follow
    worked = [
        i
        for i, c in enumerate(notebook.cells)
        if "instructor-solution" in c.metadata.get("tags", [])
    ]
    assert all(i > index for i in worked), f"{source.name}: a worked solution before the Exercises"
    assert all(
        c.cell_type == "markdown" or i in worked
        for i, c in enumerate(notebook.cells) if i > index
    ), f"{source.name}: the Exercises section must end the notebook"  # fmt: skip
    count = len(re.findall(r"^\d+\.\s", cell.source, re.M))
    assert 3 <= count <= 5, f"{source.name}: {count} exercises, expected 3 to 5"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_solution_markers_are_balanced(source):
    text = source.read_text()
    begins = text.count("### BEGIN SOLUTION")
    assert begins == text.count("### END SOLUTION"), f"{source.name}: unbalanced solution markers"
    for cell in jupytext.read(source).cells:
        if "### BEGIN SOLUTION" in cell.source:
            assert cell.cell_type == "code"
            assert re.search(r"^(def|class) \w+", cell.source, re.M), (
                f"{source.name}: a solution must sit inside a named function or class"
            )


@pytest.mark.parametrize("number", ["01", "02", "03", "04", "05", "06", "07", "11"])
def test_core_notebooks_have_graded_pieces(number):
    (source,) = [p for p in SOURCES if p.name.startswith(number)] or [None]
    assert source is not None, f"tutorial {number} is missing"
    assert "### BEGIN SOLUTION" in source.read_text(), f"{source.name}: no solution markers"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs(notebook):
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"{notebook.name}: a code cell has outputs; commit it clean"
            assert cell.execution_count is None, f"{notebook.name}: execution counts committed"
    assert notebook.stat().st_size < 100_000, f"{notebook.name} is larger than 100 kB"


# tensorflow-datasets sets that need files a user may not have (the derived digit sets fall back
# to scikit-learn's digits by themselves)
_NEEDS_FILES = {"mnist", "fashion_mnist", "cifar10", "celeb_a"}


def _loads_without_fallback(tree):
    """Lines of `datasets.load("<set needing files>", ...)` outside a `try` that catches
    `DataNotFoundError`."""
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            "DataNotFoundError" in ast.unparse(handler.type or ast.Constant(None))
            for handler in node.handlers
        ):
            guarded |= {id(inner) for statement in node.body for inner in ast.walk(statement)}
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and ast.unparse(node.func).endswith("datasets.load")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in _NEEDS_FILES
            and id(node) not in guarded
        ):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_a_dataset_that_needs_files_has_a_fallback(source):
    # tutorials/README.md: without KERAS_GAN_DATA_DIR every notebook runs on scikit-learn's
    # digits; a bare datasets.load("mnist") raises DataNotFoundError on a fresh machine
    code = "\n".join(
        line for line in source.read_text(encoding="utf-8").splitlines() if not line.startswith("%")
    )
    lines = _loads_without_fallback(ast.parse(code))
    assert not lines, (
        f"{source.name}, lines {lines}: datasets.load of a set that needs files, outside a "
        "`try` that catches datasets.DataNotFoundError (fall back to 'digits')"
    )
