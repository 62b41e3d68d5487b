"""The docs site's hooks (scripts/mkdocs_hooks.py): the public tutorial pages carry no solution."""

import importlib.util
import os
import types

import nbformat

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


def test_tutorial_pages_are_rendered_from_their_student_versions():
    files = [page("04_wasserstein.ipynb"), page("11_stabilisers.ipynb"), page("08_srgan.ipynb")]
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
    # a tutorial without graded pieces is rendered as it is
    assert files[2].abs_src_path == os.path.join(ROOT, "tutorials", "08_srgan.ipynb")
