"""Assignments: the student build (stubs, no leaked solution) and the autograder's verdicts.

The grader runs the student's code in subprocesses that inherit KERAS_BACKEND, so this file
checks it on the backend under test. Each `grade` call starts one subprocess (one keras import):
the tests grade three notebooks, each holding all four graded pieces.
"""

import glob
import json
import os
import subprocess
import sys

import nbformat
import pytest

from keras_gan.assignments import build as build_lib
from keras_gan.assignments import checks as checks_lib
from keras_gan.assignments import grade as grade_lib

HERE = os.path.dirname(__file__)
FIXTURE = os.path.join(HERE, "fixtures", "assignment.py")
WRONG = os.path.join(HERE, "fixtures", "wrong_answers.py")
TUTORIALS = os.path.join(HERE, "..", "..", "tutorials")
GRADED = ["discriminator_loss", "generator_loss", "gradient_penalty", "MyGAN.train_step"]


def solution_lines(notebook):
    """Non-comment lines inside solution regions, minus those also found outside them."""
    inside, outside = set(), set()
    for cell in notebook.cells:
        lines = build_lib.cell_source(cell).split("\n")
        regions = build_lib.marker_regions(lines, build_lib.BEGIN_SOLUTION, build_lib.END_SOLUTION)
        regions += build_lib.marker_regions(lines, build_lib.BEGIN_HIDDEN, build_lib.END_HIDDEN)
        flagged = {i for first, last in regions for i in range(first, last + 1)}
        for i, line in enumerate(lines):
            text = line.strip()
            if text and not text.startswith("#"):
                (inside if i in flagged else outside).add(text)
    return inside - outside


def student_text(notebook):
    return "\n".join(build_lib.cell_source(c) for c in notebook.cells)


def leaks(full, student):
    """Solution lines (longer than a bracket) that appear as lines of the student version."""
    lines = {line.strip() for line in student_text(student).split("\n")}
    return [line for line in solution_lines(full) if len(line) > 3 and line in lines]


def by_check(report):
    return {(r["target"], r["check"]): r for r in report["results"]}


# -- build ---------------------------------------------------------------------------------------


def test_build_writes_stubs_manifest_and_no_solution(tmp_path):
    info = build_lib.build(FIXTURE, str(tmp_path))
    assert [g["name"] for g in info["graded"]] == GRADED
    student = nbformat.read(info["output"], as_version=4)
    text = student_text(student)
    leaked = leaks(build_lib.read_notebook(FIXTURE), student)
    assert not leaked, leaked
    assert "self.minimize(d_loss_fn" not in text and "ops.softplus" not in text
    assert "HIDDEN" not in text and "assert_allclose" not in text and "SOLUTION" not in text
    # signatures and docstrings kept, each body a TODO stub
    for signature, name in [
        ("def discriminator_loss(real_logits, fake_logits):", "discriminator_loss"),
        ("def gradient_penalty(critic, real, fake, epsilon):", "gradient_penalty"),
        ("    def train_step(self, data):", "MyGAN.train_step"),
    ]:
        assert signature in text
        assert f'raise NotImplementedError("TODO: write `{name}`' in text
    assert '"""WGAN-GP\'s two-sided gradient penalty."""' in text
    assert "def _norms(gradients):" in text  # helpers outside the regions stay
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    assert "jupytext" not in student.metadata
    assert student.metadata[build_lib.METADATA_KEY]["graded"] == info["graded"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["assignment"]["graded"] == info["graded"]
    # every graded definition has reference checks
    assert all(checks_lib.checks_for(name) for name in GRADED)


def test_build_stubs_whole_definitions():
    source = '''### BEGIN SOLUTION
def helper(x):
    """Doubles x."""
    return 2 * x


class Net:
    def call(self, x):
        return helper(x)
### END SOLUTION'''
    new, names, removed = build_lib.stub_source(source)
    assert names == ["helper", "Net.call"]
    assert 'def helper(x):\n    """Doubles x."""\n    raise NotImplementedError' in new
    assert "return" not in new and "return 2 * x" in removed


@pytest.mark.parametrize(
    "source, message",
    [
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
        ("def f():\n    return 1\n    ### END SOLUTION\n", "without '### BEGIN SOLUTION'"),
        ("x = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION\n", "neither inside a function"),
    ],
)
def test_build_rejects_bad_markers(source, message):
    with pytest.raises(build_lib.BuildError, match=message):
        build_lib.stub_source(source, where="cell 3")


def test_build_of_each_tutorial_hides_its_solutions(tmp_path):
    notebooks = [
        p for p in sorted(glob.glob(os.path.join(TUTORIALS, "*.ipynb")))
        if build_lib.BEGIN_SOLUTION in open(p, encoding="utf-8").read()
    ]
    if not notebooks:
        pytest.skip("no tutorial with solution markers yet")
    for path in notebooks:
        info = build_lib.build(path, str(tmp_path))
        student = nbformat.read(info["output"], as_version=4)
        leaked = leaks(build_lib.read_notebook(path), student)
        assert not leaked, (path, leaked)
        for graded in info["graded"]:
            assert checks_lib.checks_for(graded["name"]), f"{path}: no checks for {graded['name']}"


# -- grade ---------------------------------------------------------------------------------------


def test_reference_solution_gets_full_marks():
    report = grade_lib.grade(FIXTURE)
    assert report["max_score"] == 17, report
    assert report["score"] == report["max_score"], grade_lib.format_report(report)
    assert {r["target"] for r in report["results"]} == set(GRADED)


def test_typical_wrong_answers_get_partial_marks_and_the_right_messages():
    report = grade_lib.grade(WRONG)
    results = by_check(report)
    text = grade_lib.format_report(report)
    assert 0 < report["score"] < report["max_score"], text
    assert "the fake term" in results[("discriminator_loss", "value")]["message"]
    assert results[("discriminator_loss", "large logits")]["passed"] is False
    assert "check the sign" in results[("generator_loss", "value")]["message"]
    assert results[("generator_loss", "large logits")]["passed"] is False
    penalty = results[("gradient_penalty", "linear critic")]["message"]
    assert "||w|| = 0.5" in penalty and "two-sided" in penalty
    assert not results[("gradient_penalty", "interpolates")]["passed"]  # one-sided: norms < 1
    assert "no gradient reaches the critic" in results[("gradient_penalty", "differentiable")]["message"]
    step = "MyGAN.train_step"
    assert results[(step, "runs")]["passed"] and results[(step, "updates both networks")]["passed"]
    assert results[(step, "discriminator learns")]["passed"]
    assert "check the sign of its loss" in results[(step, "generator learns")]["message"]
    assert "without training=True" in results[(step, "training=True")]["message"]
    assert not results[(step, "matches keras_gan.models.GAN")]["passed"]
    advice = results[(step, "stop_gradient (advice)")]
    assert advice["max_points"] == 0 and "stop_gradient" in advice["message"]
    assert report["score"] == 3, text  # train_step: runs, updates both, discriminator learns


def test_bad_input_scores_with_messages_not_tracebacks(tmp_path):
    """A TODO left, a syntax error and a hang, graded from the command line with --json."""
    info = build_lib.build(FIXTURE, str(tmp_path))
    student = nbformat.read(info["output"], as_version=4)
    for cell in student.cells:
        source = build_lib.cell_source(cell)
        if "def gradient_penalty" in source:
            cell.source = source.replace('raise NotImplementedError("TODO: write `gradient_penalty` '
                                         '(see the instructions above)")', "while True:\n        pass")
        if "class MyGAN" in source:
            cell.source = source.replace("raise NotImplementedError", "return self.update_logs(d_loss=")
    nbformat.write(student, info["output"])
    command = [sys.executable, "-m", "keras_gan.assignments", "grade", info["output"], "--json",
               "--timeout", "5"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["score"] == 0 and report["max_score"] == 17
    results = by_check(report)
    assert "not written yet" in results[("discriminator_loss", "value")]["message"]
    assert "NotImplementedError" in results[("generator_loss", "value")]["message"]
    assert "timed out after 5 s" in results[("gradient_penalty", "linear critic")]["message"]
    assert "earlier check of it timed out" in results[("gradient_penalty", "differentiable")]["message"]
    syntax = results[("MyGAN.train_step", "runs")]["message"]
    assert "syntax error" in syntax and "code cell" in syntax, syntax


def test_unreadable_notebook_is_a_clear_error(tmp_path):
    with pytest.raises(grade_lib.GradingError, match="No notebook"):
        grade_lib.grade(str(tmp_path / "missing.ipynb"))
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    with pytest.raises(grade_lib.GradingError, match="not a readable notebook"):
        grade_lib.grade(str(bad))
