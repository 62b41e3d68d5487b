"""The docs site's hooks (scripts/mkdocs_hooks.py): the public tutorial pages carry no solution."""

import importlib.util
import os
import types

import nbformat
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def hooks():
    path = os.path.join(ROOT, "scripts", "mkdocs_hooks.py")
    spec = importlib.util.spec_from_file_location("mkdocs_hooks_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page(name):
    """What the hook reads of an mkdocs File: where the page comes from."""
    return types.SimpleNamespace(
        src_uri=f"tutorials/{name}", abs_src_path=os.path.join(ROOT, "tutorials", name)
    )


def test_tutorial_pages_are_rendered_from_their_student_versions(tmp_path):
    plain = tmp_path / "99_plain.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), plain)
    plain_page = types.SimpleNamespace(src_uri="tutorials/99_plain.ipynb", abs_src_path=str(plain))
    files = [page("04_wasserstein.ipynb"), page("11_stabilisers.ipynb"), plain_page]
    hooks().on_files(files, config={})
    for file, graded in zip(files[:2], ("gradient_penalty", "translate")):
        assert not file.abs_src_path.startswith(os.path.join(ROOT, "tutorials"))
        assert file.abs_src_path.endswith(os.path.join("tutorials", os.path.basename(file.src_uri)))
        text = open(file.abs_src_path, encoding="utf-8").read()
        assert "BEGIN SOLUTION" not in text and "NotImplementedError" in text
        student = nbformat.read(file.abs_src_path, as_version=4)
        assert [g["name"] for g in student.metadata["keras_gan_assignment"]["graded"]] == [graded]
    # the solution of 04 is nowhere in its page's source
    assert "input_gradients(critic, interpolates)" not in open(files[0].abs_src_path).read()
    # a tutorial without graded pieces or worked solutions is rendered as it is
    assert files[2].abs_src_path == str(plain)


def test_the_tutorials_nav_follows_the_course_order_of_the_tutorials_readme(tmp_path):
    module = hooks()
    order = module.course_order(os.path.join(ROOT, "tutorials", "README.md"))
    # every notebook is in the table once, and evaluation comes right after 02
    numbers = sorted(
        os.path.basename(p)[:2]
        for p in os.listdir(os.path.join(ROOT, "tutorials"))
        if p.endswith(".ipynb")
    )
    assert sorted(order) == numbers
    assert order[:3] == ["01", "02", "06"]
    # the nav lists the pages in that order; a notebook missing from the table comes last
    (tmp_path / "tutorials").mkdir()
    (tmp_path / "tutorials" / "README.md").write_text(
        "| # | notebook |\n|---|---|\n| 02 | b |\n| 01 | a |\n"
    )
    for name in ("01_a", "02_b", "03_c"):
        nbformat.write(
            nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {name}")]),
            tmp_path / "tutorials" / f"{name}.ipynb",
        )
    assert module._tutorials(str(tmp_path)) == [
        {"02_b": "tutorials/02_b.ipynb"},
        {"01_a": "tutorials/01_a.ipynb"},
        {"03_c": "tutorials/03_c.ipynb"},
    ]


PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def executed_copy(name, folder, edit=None):
    """What scripts/run_tutorials.sh leaves in OUT_DIR: the notebook, run, with papermill's cell."""
    notebook = nbformat.read(os.path.join(ROOT, "tutorials", name), as_version=4)
    code = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    for i in code:
        notebook.cells[i].outputs = [
            nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "fig"})
        ]
    notebook.cells[code[1]].outputs.insert(
        0, nbformat.v4.new_output("stream", name="stdout", text="Keras backend: torch\n")
    )
    widget = {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "VBox"}
    notebook.cells[code[-1]].outputs.append(nbformat.v4.new_output("display_data", data=widget))
    # prose edited after the run: the page shows the notebook's prose as committed
    notebook.cells[0].source += "\nAN OLDER SENTENCE"
    injected = nbformat.v4.new_code_cell("# Parameters\nquick = True\n")
    injected.metadata["tags"] = ["injected-parameters"]
    notebook.cells.insert(code[0] + 1, injected)
    if edit:
        edit(notebook)
    nbformat.write(notebook, os.path.join(folder, name))


def test_executed_tutorials_are_rendered_with_their_outputs_and_without_solutions(
    tmp_path, monkeypatch
):
    executed_copy("04_wasserstein.ipynb", tmp_path)
    executed_copy("08_srgan.ipynb", tmp_path)
    monkeypatch.setenv("KERAS_GAN_EXECUTED_TUTORIALS", str(tmp_path))
    files = [page("04_wasserstein.ipynb"), page("08_srgan.ipynb")]
    hooks().on_files(files, config={})
    for file in files:
        rendered = nbformat.read(file.abs_src_path, as_version=4)
        assert "An executed copy" in rendered.cells[1].source
        assert "quick = True" in rendered.cells[1].source and "on torch" in rendered.cells[1].source
        assert "AN OLDER SENTENCE" not in rendered.cells[0].source
        widgets = [o for c in rendered.cells for o in c.get("outputs", []) if "VBox" in str(o)]
        assert not widgets  # a live widget shows nothing on a static page: dropped
        # papermill's cell is gone: the page (and its download) keeps the notebook's defaults
        code = [c.source for c in rendered.cells if c.cell_type == "code"]
        assert not any("quick = True" in c for c in code)
        assert any(c.startswith("quick = False") for c in code)
        figures = [c for c in rendered.cells if c.cell_type == "code" and c.outputs]
        assert figures and all(
            any(o.get("data", {}).get("image/png") == PNG for o in c.outputs) for c in figures
        )
    text = open(files[0].abs_src_path, encoding="utf-8").read()
    assert "BEGIN SOLUTION" not in text and "input_gradients(critic, interpolates)" not in text
    student = nbformat.read(files[0].abs_src_path, as_version=4)
    (graded,) = student.metadata["keras_gan_assignment"]["graded"]
    # the graded cell (its executed output came from the solution) shows no output
    assert student.cells[graded["cell"]].outputs == []
    # every other code cell keeps its figure
    others = [
        c for i, c in enumerate(student.cells) if c.cell_type == "code" and i != graded["cell"]
    ]
    assert all(c.outputs for c in others)


def test_a_stale_or_missing_executed_copy_is_a_warning_and_no_outputs(
    tmp_path, monkeypatch, caplog
):
    def change_a_line(notebook):
        cell = next(c for c in notebook.cells if c.cell_type == "code")
        cell.source += "\nprint('an older version')"

    executed_copy("08_srgan.ipynb", tmp_path, edit=change_a_line)
    monkeypatch.setenv("KERAS_GAN_EXECUTED_TUTORIALS", str(tmp_path))
    files = [page("08_srgan.ipynb"), page("09_lapgan.ipynb")]
    with caplog.at_level("WARNING", logger="mkdocs.hooks.keras_gan"):
        hooks().on_files(files, config={})
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("08_srgan.ipynb: the executed copy" in w and "other code" in w for w in warnings)
    assert any("09_lapgan.ipynb: no executed copy" in w for w in warnings)
    # both are rendered as committed (their student versions): no outputs
    for file in files:
        assert file.abs_src_path.endswith(os.path.join("tutorials", os.path.basename(file.src_uri)))
        rendered = nbformat.read(file.abs_src_path, as_version=4)
        assert not any(c.get("outputs") for c in rendered.cells if c.cell_type == "code")
        assert "An executed copy" not in rendered.cells[1].source


def test_worked_exercise_cells_are_left_out_of_every_page(tmp_path):
    # A tutorial without graded pieces but with an instructor's worked exercise (08 stands in).
    notebook = nbformat.read(os.path.join(ROOT, "tutorials", "08_srgan.ipynb"), as_version=4)
    worked = nbformat.v4.new_code_cell("worked_answer = 'only for the instructor'")
    worked.metadata["tags"] = ["instructor-solution"]
    notebook.cells.append(worked)
    folder = tmp_path / "tutorials"
    folder.mkdir()
    nbformat.write(notebook, folder / "08_srgan.ipynb")
    file = types.SimpleNamespace(
        src_uri="tutorials/08_srgan.ipynb", abs_src_path=str(folder / "08_srgan.ipynb")
    )
    hooks().on_files([file], config={})
    assert file.abs_src_path != str(folder / "08_srgan.ipynb")
    text = open(file.abs_src_path, encoding="utf-8").read()
    assert "worked_answer" not in text and "SRResNet" in text


def test_an_executed_copy_without_a_single_figure_is_a_warning(tmp_path, monkeypatch, caplog):
    # What a kernel run with MPLBACKEND=Agg leaves: every cell ran, no figure was shown.
    def no_figures(notebook):
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]

    executed_copy("08_srgan.ipynb", tmp_path, edit=no_figures)
    monkeypatch.setenv("KERAS_GAN_EXECUTED_TUTORIALS", str(tmp_path))
    with caplog.at_level("WARNING", logger="mkdocs.hooks.keras_gan"):
        hooks().on_files([page("08_srgan.ipynb")], config={})
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("08_srgan.ipynb: the executed copy" in w and "no figure" in w for w in warnings)


RENDERED = (
    '<h1 id="04-wasserstein">04 · Wasserstein<a class="anchor-link" href="#04">¶</a></h1>'
    '<h2 id="the-three-train_steps">The three <code>train_step</code>s'
    '<a class="anchor-link" href="#the-three-train_steps">¶</a></h2>'
    '<h3 id="a-b">A &lt; B</h3><h2 id="exercises">Exercises</h2>'
)


def test_a_tutorials_contents_follow_its_rendered_headings():
    # mkdocs-jupyter's own contents read "The three s" and linked to #the-three-s
    (title,) = hooks().contents_tokens(RENDERED)
    assert (title["name"], title["id"], title["level"]) == ("04 · Wasserstein", "04-wasserstein", 1)
    entries = [(t["name"], t["id"], [c["id"] for c in t["children"]]) for t in title["children"]]
    assert entries == [
        ("The three train_steps", "the-three-train_steps", ["a-b"]),
        ("Exercises", "exercises", []),
    ]
    assert title["children"][0]["children"][0]["name"] == "A &lt; B"  # escaped, as Markdown's


def test_the_contents_hook_sets_only_tutorial_pages():
    pytest.importorskip("mkdocs", reason="the docs extra (CI's docs part builds the site with it)")
    notebook = types.SimpleNamespace(file=types.SimpleNamespace(src_uri="tutorials/04.ipynb"))
    assert hooks().on_page_content(RENDERED, page=notebook, config={}, files=[]) == RENDERED
    (title,) = notebook.toc
    assert [(item.title, item.url) for item in title.children] == [
        ("The three train_steps", "#the-three-train_steps"),
        ("Exercises", "#exercises"),
    ]
    other = types.SimpleNamespace(file=types.SimpleNamespace(src_uri="metrics.md"), toc="kept")
    hooks().on_page_content(RENDERED, page=other, config={}, files=[])
    assert other.toc == "kept"
