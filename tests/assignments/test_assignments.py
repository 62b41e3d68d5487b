"""Assignments: the student build (stubs, no leaked solution) and the autograder's verdicts.

The grader runs the student's code in a sandboxed worker on the backend under test
(KERAS_BACKEND). Each `grade` call that reaches the student's code starts one worker (one keras
import), so the fixtures group several answers per notebook.
"""

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid

import nbformat
import numpy as np
import pytest

from keras_gan.assignments import build as build_lib
from keras_gan.assignments import checks as checks_lib
from keras_gan.assignments import grade as grade_lib

HERE = os.path.dirname(__file__)
FIXTURE = os.path.join(HERE, "fixtures", "assignment.py")
WRONG = os.path.join(HERE, "fixtures", "wrong_answers.py")
FIXTURES = os.path.join(HERE, "fixtures")
TUTORIALS = os.path.join(HERE, "..", "..", "tutorials")
GRADED = ["discriminator_loss", "generator_loss", "gradient_penalty", "MyGAN.train_step"]
WRONG_ANSWERS_ONCE = (
    "every check runs on every backend with the right answers (the reference and each "
    "tutorial's own solution get full marks); each set of wrong answers and its messages once"
)


def wrong_answers_on(backend):
    """One backend for a set of wrong answers; the sets are spread over the three."""
    return pytest.mark.one_backend(backend, reason=WRONG_ANSWERS_ONCE)


def solution_lines(notebook):
    """Non-comment lines inside solution regions and instructor-solution cells, minus those also
    found outside them."""
    inside, outside = set(), set()
    for cell in notebook.cells:
        lines = build_lib.cell_source(cell).split("\n")
        regions = build_lib.marker_regions(lines, build_lib.BEGIN_SOLUTION, build_lib.END_SOLUTION)
        regions += build_lib.marker_regions(lines, build_lib.BEGIN_HIDDEN, build_lib.END_HIDDEN)
        flagged = {i for first, last in regions for i in range(first, last + 1)}
        if build_lib.is_instructor_cell(cell):  # an exercise's worked solution: the whole cell
            flagged = set(range(len(lines)))
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


def test_build_drops_the_worked_exercise_cells_and_keeps_the_rest():
    notebook = build_lib.read_notebook(FIXTURE)
    worked_text = nbformat.v4.new_markdown_cell("**Exercise 1, worked:** the answer is 42.")
    worked_code = nbformat.v4.new_code_cell(
        "answer_to_exercise_1 = 6 * 7\nprint(answer_to_exercise_1)"
    )
    for cell in (worked_text, worked_code):
        cell.metadata["tags"] = [build_lib.INSTRUCTOR_TAG]
    plain = nbformat.v4.new_code_cell("print('kept')")
    notebook.cells += [worked_text, worked_code, plain]
    assert build_lib.has_solutions(notebook)
    student, info, _ = build_lib.build_notebook(notebook, source_name="fixture")
    text = student_text(student)
    assert "answer is 42" not in text and "answer_to_exercise_1" not in text
    assert "print('kept')" in text and info["instructor_cells_removed"] == 2
    assert [g["name"] for g in info["graded"]] == GRADED  # the graded pieces are untouched
    assert not leaks(notebook, student)
    # a notebook with only worked exercises still counts as holding solutions
    only_worked = nbformat.v4.new_notebook(cells=[worked_code, plain])
    assert build_lib.has_solutions(only_worked)
    assert not build_lib.has_solutions(nbformat.v4.new_notebook(cells=[plain]))


@pytest.mark.one_backend(
    "tensorflow", reason="building a student notebook is text processing: no backend runs"
)
def test_build_writes_a_notebook_with_only_worked_solutions_and_refuses_one_with_none(tmp_path):
    worked = nbformat.v4.new_code_cell("answer_to_exercise_1 = 6 * 7")
    worked.metadata["tags"] = [build_lib.INSTRUCTOR_TAG]
    plain = nbformat.v4.new_code_cell("print('kept')")
    only_worked = tmp_path / "08_only_worked.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[plain, worked]), str(only_worked))
    info = build_lib.build(str(only_worked), str(tmp_path / "student"))
    assert info["graded"] == [] and info["instructor_cells_removed"] == 1
    assert student_text(nbformat.read(info["output"], as_version=4)) == "print('kept')"
    nothing = tmp_path / "plain.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[plain]), str(nothing))
    with pytest.raises(build_lib.BuildError, match="nothing to leave to the student"):
        build_lib.build(str(nothing), str(tmp_path / "student"))
    # the command line says what it built, and refuses the plain notebook with exit status 2
    run = [sys.executable, "-m", "keras_gan.assignments", "build", "--output", str(tmp_path / "s")]
    built = subprocess.run(run + [str(only_worked)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert "nothing graded, 1 worked-solution cells removed" in built.stdout
    refused = subprocess.run(run + [str(nothing)], capture_output=True, text=True)
    assert refused.returncode == 2 and "nothing to leave to the student" in refused.stderr


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
        p
        for p in sorted(glob.glob(os.path.join(TUTORIALS, "*.ipynb")))
        if build_lib.has_solutions(build_lib.read_notebook(p))
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


# -- grade: the verdicts ------------------------------------------------------------------------------


def fixture(name):
    return os.path.join(FIXTURES, name)


def skipped(result):
    return result["skipped"] and result["points"] == 0 and result["message"].startswith("skipped")


def test_reference_solution_gets_full_marks():
    report = grade_lib.grade(FIXTURE)
    assert report["max_score"] == 17, report
    assert report["score"] == report["max_score"], grade_lib.format_report(report)
    assert {r["target"] for r in report["results"]} == set(GRADED)


@wrong_answers_on("tensorflow")
def test_typical_wrong_answers_fail_with_one_message_each():
    report = grade_lib.grade(WRONG)
    results = by_check(report)
    text = grade_lib.format_report(report)
    assert "the fake term" in results[("discriminator_loss", "value")]["message"]
    assert skipped(results[("discriminator_loss", "large logits")])  # same root cause
    assert "check the sign" in results[("generator_loss", "value")]["message"]
    assert "logits fake = [-3, 0, 1.5, -2]" in results[("generator_loss", "value")]["message"]
    assert skipped(results[("generator_loss", "large logits")])
    penalty = results[("gradient_penalty", "linear critic")]["message"]
    assert "||w|| = 0.5" in penalty and "two-sided" in penalty
    assert skipped(results[("gradient_penalty", "interpolates")])
    assert skipped(results[("gradient_penalty", "differentiable")])
    step = "MyGAN.train_step"
    assert results[(step, "runs")]["passed"] and results[(step, "updates both networks")]["passed"]
    assert results[(step, "discriminator learns")]["passed"]
    assert "check the sign of its loss" in results[(step, "generator learns")]["message"]
    assert "without training=True" in results[(step, "training=True")]["message"]
    assert skipped(results[(step, "matches keras_gan.models.GAN")])
    advice = results[(step, "stop_gradient (advice)")]
    assert advice["max_points"] == 0 and "stop_gradient" in advice["message"]
    assert report["score"] == 3, text  # train_step: runs, updates both, discriminator learns
    assert "[SKIP] generator_loss - large logits: 0/1" in text


@wrong_answers_on("jax")
def test_documented_shapes_and_delegation():
    """epsilon[:, None, None, None] is right; delegating to the package earns nothing."""
    report = grade_lib.grade(fixture("answers_a.py"))
    results, text = by_check(report), grade_lib.format_report(report)
    penalty = [r for r in report["results"] if r["target"] == "gradient_penalty"]
    assert sum(r["points"] for r in penalty) == 4 and all(r["passed"] for r in penalty), text
    message = results[("discriminator_loss", "value")]["message"]
    assert "keras_gan.losses.minimax_discriminator_loss" in message and "no credit" in message
    assert skipped(results[("discriminator_loss", "large logits")])
    step = "MyGAN.train_step"  # forgot the generator update: one message, not three
    assert (
        "generator's weights did not change" in results[(step, "updates both networks")]["message"]
    )
    assert results[(step, "discriminator learns")]["passed"]
    assert skipped(results[(step, "generator learns")])
    assert skipped(results[(step, "matches keras_gan.models.GAN")])
    assert "check the sign" not in text and "update the discriminator first" not in text


@wrong_answers_on("torch")
def test_forgotten_reshape_and_delegation_by_import_or_subclass():
    report = grade_lib.grade(fixture("answers_b.py"))
    results, text = by_check(report), grade_lib.format_report(report)
    assert sum(r["points"] for r in report["results"]) == 0, text
    penalty = results[("gradient_penalty", "linear critic")]["message"]
    assert "epsilon[:, None, None, None]" in penalty, penalty
    assert "non_saturating_generator_loss" in results[("generator_loss", "value")]["message"]
    delegated = results[("MyGAN.train_step", "runs")]["message"]
    assert "keras_gan.models.GAN.train_step" in delegated and "no credit" in delegated
    steps = [r for r in report["results"] if r["target"] == "MyGAN.train_step"]
    assert all(skipped(r) for r in steps[1:])


@pytest.mark.spread_over_backends(reason=WRONG_ANSWERS_ONCE)
@pytest.mark.parametrize(
    "name, message",
    [
        ("answers_c.py", "square the distance to 1"),
        ("answers_d.py", "keras_gan.losses.gradient_penalty"),
    ],
)
def test_gradient_penalty_missing_square_or_delegated(name, message):
    report = grade_lib.grade(fixture(name))
    results = by_check(report)
    assert report["score"] == 0
    assert message in results[("gradient_penalty", "linear critic")]["message"]
    assert skipped(results[("gradient_penalty", "differentiable")])  # no stop_gradient hint


# -- the graded pieces of notebooks 03, 05, 06, 07 and 11 to 17 --------------------------------------

NEW_PIECES = {
    "03_conditional": ("auxiliary_classifier_loss", 3),
    "05_mode_collapse_lab": ("pack", 3),
    "06_evaluation": ("frechet_distance", 4),
    "07_pix2pix_cyclegan": ("cycle_consistency_loss", 3),
    "11_stabilisers": ("translate", 3),
    "12_cogan": ("negative_agreement", 3),
    "13_attention_and_scale": ("orthogonal_penalty", 3),
    "14_stargan": ("domain_classification_loss", 3),
    "15_ugatit": ("adalin", 3),
    "16_progan": ("minibatch_stddev", 4),
    "17_stylegan": ("modulated_conv2d", 4),
}


def test_fourteen_of_the_seventeen_notebooks_have_graded_pieces():
    graded = [
        os.path.basename(p)[:2]
        for p in sorted(glob.glob(os.path.join(TUTORIALS, "*.py")))
        if build_lib.BEGIN_SOLUTION in open(p, encoding="utf-8").read()
    ]
    assert graded == [
        "01", "02", "03", "04", "05", "06", "07", "11", "12", "13", "14", "15", "16", "17",
    ]  # fmt: skip


@pytest.mark.parametrize("notebook", sorted(NEW_PIECES))
def test_each_tutorials_own_solution_gets_full_marks(notebook):
    target, points = NEW_PIECES[notebook]
    report = grade_lib.grade(os.path.join(TUTORIALS, f"{notebook}.ipynb"))
    assert {r["target"] for r in report["results"]} == {target}
    assert report["score"] == report["max_score"] == points, grade_lib.format_report(report)


@wrong_answers_on("tensorflow")
def test_typical_wrong_answers_to_the_new_pieces():
    report = grade_lib.grade(fixture("wrong_answers_more.py"))
    results, text = by_check(report), grade_lib.format_report(report)
    aux = results[("auxiliary_classifier_loss", "value")]["message"]
    assert "expected 2.95818, got 1.58263" in aux and "generated images' term" in aux
    assert skipped(results[("auxiliary_classifier_loss", "large logits")])
    assert results[("pack", "points")]["passed"]  # one reshape is right for 2-D points...
    assert "a plain reshape mixes the pixels" in results[("pack", "images")]["message"]
    assert results[("frechet_distance", "diagonal covariances")]["passed"]  # ...diagonal commute
    assert (
        "only when the two commute"
        in results[("frechet_distance", "general covariances")]["message"]
    )
    assert results[("frechet_distance", "same set gives 0")]["passed"]
    cycle = results[("cycle_consistency_loss", "value")]["message"]
    assert "expected 13.3519, got 6.67595" in cycle and "don't average them" in cycle
    assert skipped(results[("cycle_consistency_loss", "weight")])
    assert "don't wrap around" in results[("translate", "shifts")]["message"]
    assert skipped(results[("translate", "differentiable")])
    assert report["score"] == 3 and report["max_score"] == 16, text


@wrong_answers_on("jax")
def test_more_wrong_answers_to_the_new_pieces():
    report = grade_lib.grade(fixture("answers_e.py"))
    results, text = by_check(report), grade_lib.format_report(report)
    fid = results[("frechet_distance", "diagonal covariances")]["message"]
    assert "returned a complex value" in fid and "keep the real part" in fid
    assert "expected shape (3, 4), got (12,)" in results[("pack", "points")]["message"]
    assert results[("cycle_consistency_loss", "value")]["passed"]
    weight = results[("cycle_consistency_loss", "weight")]["message"]
    assert "not a fixed 10" in weight
    assert results[("auxiliary_classifier_loss", "value")]["passed"]
    large = results[("auxiliary_classifier_loss", "large logits")]["message"]
    assert "got inf" in large and "ops.log_softmax" in large
    assert results[("translate", "shifts")]["passed"]
    assert "no gradient reaches the images" in results[("translate", "differentiable")]["message"]
    assert report["score"] == 6, text


@wrong_answers_on("torch")
def test_the_new_pieces_delegated_to_the_package_get_no_credit():
    report = grade_lib.grade(fixture("delegated_more.py"))
    results = by_check(report)
    for target, check, called in [
        ("auxiliary_classifier_loss", "value", "keras_gan.models.acgan.class_loss"),
        ("pack", "points", "keras_gan.lab.Pack"),
        ("frechet_distance", "diagonal covariances", "keras_gan.metrics.frechet_distance"),
        ("cycle_consistency_loss", "value", "keras_gan.models.cyclegan.cycle_objective"),
        ("translate", "shifts", "keras_gan.augment._shift_matrices"),
    ]:
        message = results[(target, check)]["message"]
        assert called in message and "no credit" in message, message
    assert report["score"] == 0


def test_docs_sample_output_is_what_the_grader_prints():
    """docs/assignments.md shows 01 with a flipped generator_loss: the verdict's own message."""
    from keras_gan.assignments import _protocol

    reference = checks_lib.piece_for("generator_loss").expected()
    run = {
        "results": [{"value": _protocol.encode(np.float32(-reference["value"]))}] * 2,
        "reference": reference,
    }
    with pytest.raises(checks_lib.CheckFailure) as failure:
        checks_lib.generator_loss_value(run)
    docs = open(os.path.join(HERE, "..", "..", "docs", "assignments.md"), encoding="utf-8").read()
    assert f"         {failure.value}\n" in docs
    assert "[SKIP] generator_loss - large logits: 0/1\n         skipped: depends on 'value'" in docs


# -- grade: isolation ----------------------------------------------------------------------------


def package_copy(tmp_path, monkeypatch):
    """A copy of keras_gan for the worker to import, so that attacks never touch the real one."""
    root = tmp_path / "site"
    source = os.path.dirname(os.path.abspath(grade_lib.keras_gan.__file__))
    shutil.copytree(source, root / "keras_gan", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(grade_lib, "_PACKAGE_ROOT", str(root))
    return root / "keras_gan" / "assignments" / "checks.py"


def attack_notebook(tmp_path):
    outside, marker = tmp_path / "outside.txt", f"grading-escapee-{uuid.uuid4().hex}"
    text = open(fixture("attacks.py")).read()
    path = tmp_path / "attacks.py"
    path.write_text(text.replace("__OUTSIDE__", str(outside)).replace("__MARKER__", marker))
    return str(path), outside, marker


def running(marker):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(pid)
        except OSError:
            pass
    return found


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


SANDBOX = pytest.mark.one_backend(
    "torch", reason="the grading sandbox and its files do not depend on the backend"
)


@SANDBOX
def test_attacks_from_the_issue_cannot_change_the_grade(tmp_path, monkeypatch):
    checks_copy = package_copy(tmp_path, monkeypatch)
    before, real_checks = checks_copy.read_text(), digest(checks_lib.__file__)
    path, outside, marker = attack_notebook(tmp_path)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    report = grade_lib.grade(path)
    results, text = by_check(report), grade_lib.format_report(report)
    assert report["score"] == 0 and report["max_score"] == 10, text
    # the decorator that no-ops the checks: the missing term is still found
    assert "the fake term" in results[("discriminator_loss", "value")]["message"]
    # fake protocol lines: generator_loss still raises NotImplementedError
    assert "not written yet" in results[("generator_loss", "value")]["message"]
    # `return 0` with a default argument replacing checks.find
    assert "got 0" in results[("gradient_penalty", "linear critic")]["message"], text
    assert not running(marker)  # the process started with start_new_session=True is gone
    assert not (tmp_path / "cwd" / "escaped.txt").exists()
    assert not os.path.exists(os.path.expanduser("~/escaped.txt"))
    assert digest(checks_lib.__file__) == real_checks
    if report["sandbox"] == "landlock":  # kernels with Landlock: no write outside the folder
        assert not outside.exists()
        assert checks_copy.read_text() == before


@SANDBOX
def test_an_edited_package_cannot_change_the_next_grade(tmp_path, monkeypatch):
    """Without the file-system sandbox the attack does edit (a copy of) the installed checks.py;
    the next student's wrong answer still fails: the verdicts never leave this process."""
    checks_copy = package_copy(tmp_path, monkeypatch)
    path, outside, marker = attack_notebook(tmp_path)
    grade_lib.grade(path, sandbox=False)
    assert "_close = lambda *args: True" in checks_copy.read_text()  # the attack did happen
    assert not running(marker)
    report = grade_lib.grade(fixture("wrong_sign.py"))
    result = by_check(report)[("generator_loss", "value")]
    assert not result["passed"] and "check the sign" in result["message"]
    assert report["score"] == 0


@SANDBOX
def test_processes_of_a_worker_that_exits_are_killed_too(tmp_path):
    marker = f"grading-escapee-{uuid.uuid4().hex}"
    path = tmp_path / "escape.py"
    path.write_text(open(fixture("escape_and_exit.py")).read().replace("__MARKER__", marker))
    report = grade_lib.grade(str(path))
    message = by_check(report)[("generator_loss", "value")]["message"]
    assert "grading process stopped (exit code 3)" in message, message
    assert not running(marker)


# -- grade: bad input ------------------------------------------------------------------------------


@wrong_answers_on("jax")
def test_bad_input_scores_with_messages_not_tracebacks(tmp_path):
    """A TODO, a syntax error, a hang, unbounded memory and a missing import, from the CLI."""
    info = build_lib.build(FIXTURE, str(tmp_path))
    student = nbformat.read(info["output"], as_version=4)
    for cell in student.cells:
        source = build_lib.cell_source(cell)
        if "def gradient_penalty" in source:
            cell.source = source.replace(
                'raise NotImplementedError("TODO: write `gradient_penalty` '
                '(see the instructions above)")',
                "while True:\n        pass",
            )
        if "def discriminator_loss" in source:
            cell.source = source.replace(
                'raise NotImplementedError("TODO: write `discriminator_loss` '
                '(see the instructions above)")',
                # one allocation over the limit: no time spent filling pages, so the memory
                # limit answers well before the timeout, even on a loaded machine
                "blocks = [bytearray(2**30)]\n    return blocks",
            )
        if "class MyGAN" in source:
            cell.source = source.replace(
                "raise NotImplementedError", "return self.update_logs(d_loss="
            )
    student.cells.insert(1, nbformat.v4.new_code_cell("import keras_gan.no_such_module"))
    nbformat.write(student, info["output"])
    command = [
        sys.executable,
        "-m",
        "keras_gan.assignments",
        "grade",
        info["output"],
        "--json",
        "--timeout",
        "10",
        "--memory-limit",
        "512",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["score"] == 0 and report["max_score"] == 17
    results = by_check(report)
    assert "memory (limit 512 MiB)" in results[("discriminator_loss", "value")]["message"]
    assert "NotImplementedError" in results[("generator_loss", "value")]["message"]
    assert "timed out after 10 s" in results[("gradient_penalty", "linear critic")]["message"]
    assert skipped(results[("gradient_penalty", "differentiable")])
    syntax = results[("MyGAN.train_step", "runs")]["message"]
    assert "syntax error" in syntax and "code cell" in syntax, syntax
    assert any("No module named 'keras_gan.no_such_module'" in n for n in report["notes"])
    assert all("\n" not in r["message"] for r in report["results"])
    assert sorted(os.listdir(tmp_path)) == sorted(["assignment.ipynb", "manifest.json"])


def test_deleted_or_renamed_graded_cells(tmp_path):
    info = build_lib.build(FIXTURE, str(tmp_path))
    student = nbformat.read(info["output"], as_version=4)
    kept = []
    for cell in student.cells:
        source = build_lib.cell_source(cell)
        if "def generator_loss" in source or "class MyGAN" in source:
            continue  # deleted
        kept.append(cell)
        cell.source = source.replace("def discriminator_loss", "def my_loss").replace(
            "def gradient_penalty", "def penalty"
        )
    student.cells = kept
    nbformat.write(student, info["output"])
    report = grade_lib.grade(info["output"])
    assert report["score"] == 0 and report["max_score"] == 17
    firsts = [r for r in report["results"] if not r["skipped"]]
    assert {r["target"] for r in firsts} == set(GRADED)
    assert all("not defined in the notebook" in r["message"] for r in firsts)


NOT_NOTEBOOKS = [
    "{not json",
    '{"cells": 3}',
    "\x89PNG\r\n\x1a\n",
    '{"cells": [1, 2], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
]


@pytest.mark.parametrize("content", NOT_NOTEBOOKS)
def test_unreadable_notebook_is_a_clear_error(tmp_path, content):
    with pytest.raises(grade_lib.GradingError, match="No notebook"):
        grade_lib.grade(str(tmp_path / "missing.ipynb"))
    bad = tmp_path / "bad.ipynb"
    bad.write_text(content)
    with pytest.raises(grade_lib.GradingError, match="not a readable notebook") as caught:
        grade_lib.grade(str(bad))
    assert "\n" not in str(caught.value)


# -- instructor output --------------------------------------------------------------------------------


@SANDBOX
def test_grade_class_writes_a_json_per_submission_and_a_csv(tmp_path):
    submissions = tmp_path / "submitted"
    for student in ("ada", "bob"):
        (submissions / student).mkdir(parents=True)
    nbformat.write(
        build_lib.read_notebook(fixture("wrong_sign.py")),
        str(submissions / "ada" / "01_gan_objective_toy.ipynb"),
    )
    (submissions / "bob" / "01_gan_objective_toy.ipynb").write_text("{not json")
    manifest = tmp_path / "manifest.json"  # as written by build: ada's metadata cannot drop a piece
    manifest.write_text(
        json.dumps(
            {
                "01_gan_objective_toy": {
                    "graded": [
                        {"name": "discriminator_loss", "cell": 3},
                        {"name": "generator_loss", "cell": 4},
                    ]
                }
            }
        )
    )
    command = [
        sys.executable,
        "-m",
        "keras_gan.assignments",
        "grade-class",
        str(submissions),
        "--output",
        str(tmp_path / "grades"),
        "--manifest",
        str(manifest),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    ada = json.loads((tmp_path / "grades" / "ada" / "01_gan_objective_toy.json").read_text())
    assert ada["student"] == "ada" and ada["score"] == 0 and ada["max_score"] == 6
    results = by_check(ada)
    assert "not defined in the notebook" in results[("discriminator_loss", "value")]["message"]
    assert "check the sign" in results[("generator_loss", "value")]["message"]
    bob = json.loads((tmp_path / "grades" / "bob" / "01_gan_objective_toy.json").read_text())
    assert bob["score"] == 0 and "not a readable notebook" in bob["error"]
    rows = (tmp_path / "grades" / "grades.csv").read_text().splitlines()
    assert rows[0] == "student,assignment,score,max_score,discriminator_loss,generator_loss,error"
    assert rows[1] == "ada,01_gan_objective_toy,0,6,0,0,"
    assert rows[2].startswith("bob,01_gan_objective_toy,0,0,,,")


def test_without_proc_only_the_process_group_is_killed(monkeypatch):
    # macOS has no /proc: the descendants cannot be listed, and grading must still go on.
    from keras_gan.assignments import grade as grade_lib

    real = os.listdir

    def listdir(path):
        if path == "/proc":
            raise FileNotFoundError(path)
        return real(path)

    monkeypatch.setattr(os, "listdir", listdir)
    assert grade_lib._children() == {}


@wrong_answers_on("tensorflow")
def test_notebook_12_wrong_and_delegated_answers():
    report = grade_lib.grade(fixture("cogan_wrong.py"))
    results = by_check(report)
    message = results[("negative_agreement", "value")]["message"]
    assert "compare b with the negative -a, not with a" in message, message
    assert skipped(results[("negative_agreement", "any shape")])
    assert report["score"] == 0 and report["max_score"] == 3
    report = grade_lib.grade(fixture("cogan_delegated.py"))
    message = by_check(report)[("negative_agreement", "value")]["message"]
    assert "keras_gan.metrics.pair_agreement" in message and "no credit" in message, message
    assert report["score"] == 0


@wrong_answers_on("jax")
def test_notebook_13_wrong_and_delegated_answers():
    report = grade_lib.grade(fixture("orthogonal_wrong.py"))
    results = by_check(report)
    message = results[("orthogonal_penalty", "dense kernel")]["message"]
    assert "zero the diagonal of W^T W" in message, message
    assert skipped(results[("orthogonal_penalty", "convolution kernel")])
    assert report["score"] == 0 and report["max_score"] == 3
    report = grade_lib.grade(fixture("orthogonal_delegated.py"))
    message = by_check(report)[("orthogonal_penalty", "dense kernel")]["message"]
    assert "keras_gan.losses.orthogonal_regularization" in message and "no credit" in message
    assert report["score"] == 0


@wrong_answers_on("torch")
def test_notebook_14_wrong_and_delegated_answers():
    report = grade_lib.grade(fixture("stargan_wrong.py"))
    results = by_check(report)
    message = results[("domain_classification_loss", "value")]["message"]
    assert "sum over the attributes (one cross-entropy each)" in message, message
    assert skipped(results[("domain_classification_loss", "large logits")])
    assert report["score"] == 0 and report["max_score"] == 3
    report = grade_lib.grade(fixture("stargan_delegated.py"))
    message = by_check(report)[("domain_classification_loss", "value")]["message"]
    assert "keras_gan.models.stargan.domain_classification_loss" in message
    assert "no credit" in message and report["score"] == 0


@wrong_answers_on("torch")
def test_notebook_15_wrong_and_delegated_answers():
    report = grade_lib.grade(fixture("ugatit_wrong.py"))
    results = by_check(report)
    message = results[("adalin", "value")]["message"]
    assert "population variance" in message, message
    assert skipped(results[("adalin", "differentiable")])
    assert report["score"] == 0 and report["max_score"] == 3
    # right values computed in NumPy: no gradient reaches the features
    report = grade_lib.grade(fixture("ugatit_numpy.py"))
    results = by_check(report)
    assert results[("adalin", "value")]["passed"]
    message = results[("adalin", "differentiable")]["message"]
    assert "no gradient reaches the features" in message, message
    assert report["score"] == 2
    report = grade_lib.grade(fixture("ugatit_delegated.py"))
    message = by_check(report)[("adalin", "value")]["message"]
    assert "keras_gan.networks.ugatit.layer_instance_normalize" in message
    assert "no credit" in message and report["score"] == 0


@wrong_answers_on("tensorflow")
def test_notebook_16_wrong_hardcoded_numpy_and_delegated_answers():
    report = grade_lib.grade(fixture("progan_wrong.py"))
    results = by_check(report)
    message = results[("minibatch_stddev", "value")]["message"]
    assert "group i mod (n / G)" in message and "not to the G consecutive" in message, message
    assert skipped(results[("minibatch_stddev", "another group size")])
    assert skipped(results[("minibatch_stddev", "differentiable")])
    assert report["score"] == 0 and report["max_score"] == 4
    # G = 4 written in: right on the first probe, wrong with G = 2
    report = grade_lib.grade(fixture("progan_hardcoded.py"))
    results = by_check(report)
    assert results[("minibatch_stddev", "value")]["passed"]
    assert not results[("minibatch_stddev", "another group size")]["passed"]
    assert results[("minibatch_stddev", "differentiable")]["passed"]
    assert report["score"] == 3
    # right values computed in NumPy: no gradient reaches the features
    report = grade_lib.grade(fixture("progan_numpy.py"))
    results = by_check(report)
    message = results[("minibatch_stddev", "differentiable")]["message"]
    assert "no gradient reaches the features" in message, message
    assert report["score"] == 3
    report = grade_lib.grade(fixture("progan_delegated.py"))
    message = by_check(report)[("minibatch_stddev", "value")]["message"]
    assert "keras_gan.layers.MinibatchStandardDeviation" in message
    assert "no credit" in message and report["score"] == 0


@wrong_answers_on("tensorflow")
def test_notebook_17_wrong_hardcoded_numpy_and_delegated_answers():
    # the shared kernel's norm: the styles forgotten in the demodulation
    report = grade_lib.grade(fixture("stylegan_wrong.py"))
    results = by_check(report)
    message = results[("modulated_conv2d", "value")]["message"]
    assert "its norm depends on the styles" in message, message
    assert skipped(results[("modulated_conv2d", "without demodulation")])
    assert skipped(results[("modulated_conv2d", "differentiable")])
    assert report["score"] == 0 and report["max_score"] == 4
    # demodulate=False ignored
    report = grade_lib.grade(fixture("stylegan_hardcoded.py"))
    results = by_check(report)
    assert results[("modulated_conv2d", "value")]["passed"]
    message = results[("modulated_conv2d", "without demodulation")]["message"]
    assert "demodulate=False must skip the demodulation" in message, message
    assert results[("modulated_conv2d", "differentiable")]["passed"]
    assert report["score"] == 3
    # right values computed in NumPy: no gradient reaches the features
    report = grade_lib.grade(fixture("stylegan_numpy.py"))
    results = by_check(report)
    message = results[("modulated_conv2d", "differentiable")]["message"]
    assert "no gradient reaches the features" in message, message
    assert report["score"] == 3
    report = grade_lib.grade(fixture("stylegan_delegated.py"))
    message = by_check(report)[("modulated_conv2d", "value")]["message"]
    assert "keras_gan.layers.ModulatedConv2D" in message
    assert "no credit" in message and report["score"] == 0
