"""scripts/check_doc_commands.py: which commands it finds in the docs, and what it runs for them."""

import importlib.util
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def check():
    path = os.path.join(ROOT, "scripts", "check_doc_commands.py")
    spec = importlib.util.spec_from_file_location("check_doc_commands", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MARKDOWN = """# Title

Run `python -m keras_gan.train dcgan --steps 5` or read `config.json`.

```bash
KERAS_BACKEND=jax python -m keras_gan.train dcgan \\
    --dataset digits   # a comment
# a whole-line comment
export KERAS_GAN_DATA_DIR=/data/raw
python benchmarks/step_time.py --steps 20 --output "a #b.json"
```

```python
import keras_gan  # not a shell block
```

```console
$ mkdocs build --strict
INFO - Documentation built
```

A span over two lines: `bash
scripts/test.sh -k dcgan`.

```
$ python -m keras_gan.train pix2pix --dataset mnist
python -m keras_gan.train: error: pix2pix trains on aligned pairs
```
"""


def test_markdown_blocks_and_inline_spans(check):
    found = [(c.line, c.text, c.env) for c in check.commands_in_markdown(MARKDOWN, "x.md")]
    assert found == [
        (3, "python -m keras_gan.train dcgan --steps 5", {}),
        (6, "KERAS_BACKEND=jax python -m keras_gan.train dcgan --dataset digits", {}),
        (9, "export KERAS_GAN_DATA_DIR=/data/raw", {}),
        (
            10,
            'python benchmarks/step_time.py --steps 20 --output "a #b.json"',
            {"KERAS_GAN_DATA_DIR": "/data/raw"},
        ),
        (18, "mkdocs build --strict", {}),
        (22, "bash scripts/test.sh -k dcgan", {}),
        (26, "python -m keras_gan.train pix2pix --dataset mnist", {}),
    ]
    transcript = check.commands_in_markdown(MARKDOWN, "x.md")[-1]
    assert transcript.shown == "python -m keras_gan.train: error: pix2pix trains on aligned pairs"
    plan = check.plan(transcript, "/offline")
    assert plan.ok_codes == (0, 1, 2) and re.search(plan.expect, transcript.shown)
    assert not re.search(plan.expect, "error: unrecognized arguments: --dataset")


DOCSTRING = r'''"""A tool.

Examples:

  # Train
  python -m keras_gan.train dcgan
  python -m keras_gan.evaluate a.keras --dataset ring \\
      --output ring.json

Not an example: python -m keras_gan.sample x.keras
"""

import os
'''


def test_docstring_examples_with_their_lines(check):
    found = [(c.line, c.text) for c in check.commands_in_docstring(DOCSTRING, "tool.py")]
    assert found == [
        (6, "python -m keras_gan.train dcgan"),
        (7, "python -m keras_gan.evaluate a.keras --dataset ring --output ring.json"),
    ]


def _plan(check, text, data_dir="/offline", env=None):
    return check.plan(check.Command("x.md", 1, text, env or {}), data_dir)


def _runs(check, plan):
    """The plan's steps, with the interpreter's path written `python`."""
    return [(env, ["python" if w == check.PYTHON else w for w in argv]) for env, argv in plan.steps]


def test_training_commands_take_two_steps(check):
    plan = _plan(
        check, "KERAS_BACKEND=torch python -m keras_gan.train dcgan --steps 300 --epochs 5"
    )
    assert _runs(check, plan) == [
        ({"KERAS_BACKEND": "torch"}, ["python", "-m", "keras_gan.train", "dcgan", "--steps", "2"])
    ]
    resume = _plan(check, "python -m keras_gan.train dcgan --steps 600 --resume")
    assert [argv[3:] for _, argv in _runs(check, resume)] == [
        ["dcgan", "--steps", "2"],
        ["dcgan", "--steps", "4", "--resume"],
    ]
    assert _runs(check, _plan(check, "python -m keras_gan.train"))[0][1][3:] == ["--help"]
    # gradient accumulation keeps its split, with micro-batches of 4
    big = _plan(check, "python -m keras_gan.train biggan --batch-size 256 --accumulation-steps 8")
    argv = _runs(check, big)[0][1]
    assert check.get_flag(argv, "--batch-size") == "32"
    assert check.get_flag(argv, "--accumulation-steps") == "8"


def test_notebook_commands_scale_their_steps_and_worked_exercises(check):
    paper = _plan(
        check, "papermill tutorials/04_wasserstein.ipynb /tmp/04.ipynb -p paper True -p steps 9"
    )
    assert (
        _runs(check, paper)[0][1]
        == (
            "papermill tutorials/04_wasserstein.ipynb 04.ipynb -p paper True -p steps 2"
            " -p exercise_steps 2"
        ).split()
    )
    assert paper.timeout == 480  # the paper's widths: as `--paper` training commands
    # a notebook without worked exercises (02) gets no parameter it does not define
    dcgan = _runs(check, _plan(check, "papermill tutorials/02_gan_dcgan_mnist.ipynb out.ipynb"))
    assert "exercise_steps" not in dcgan[0][1]


def test_reductions_fixtures_and_skips(check):
    serve = _plan(check, 'pip install -e ".[all]" && mkdocs serve')
    assert [argv[1:4] for _, argv in _runs(check, serve)] == [
        ["-m", "pip", "install"],
        ["-m", "mkdocs", "build"],
    ]
    board = _plan(check, "tensorboard --logdir runs/dcgan/tensorboard")
    assert (
        " ".join(_runs(check, board)[0][1])
        == "tensorboard --inspect --logdir runs/dcgan/tensorboard"
    )
    assert board.needs == ("runs/dcgan",)
    seeds = _plan(
        check, "python benchmarks/mode_collapse.py --task ring --seeds 0 1 2 --steps 9000"
    )
    ran = " ".join(_runs(check, seeds)[0][1][2:])
    assert ran == "--task ring --seeds 0 --steps 4 --eval-every 4"
    data = _plan(check, "KERAS_GAN_DATA_DIR=/work/shared/data python benchmarks/input_pipeline.py")
    assert data.steps[0][0] == {"KERAS_GAN_DATA_DIR": "/offline"}
    no_data = _plan(check, "KERAS_GAN_DATA_DIR=/data/raw python benchmarks/input_pipeline.py", None)
    assert "KERAS_GAN_DATA_DIR" in no_data.skip
    assert _plan(check, "python benchmarks/step_time.py --device gpu").skip == "needs a GPU"
    assert _plan(check, "python -m keras_gan.evaluate CHECKPOINT").needs == (
        "prepare",
        "runs/dcgan",
    )
    assert _plan(check, "frobnicate --now").fail.startswith("no rule")
    bad_extra = _plan(check, 'pip install -e ".[nope]"')
    assert "declares no extra 'nope'" in bad_extra.steps[0][1][-1]


def test_plain_variant_commands_and_repeated_benchmarks(check):
    assert (
        "test_cli_variants"
        in _plan(check, "KERAS_BACKEND=torch python -m keras_gan.train acgan").skip
    )
    assert "no variant 'acgna'" in _plan(check, "python -m keras_gan.train acgna").fail
    # the gallery's `VARIANT --steps N --seed 0`, scaled to 2 steps, is the defaults' run
    gallery = _plan(check, "KERAS_BACKEND=jax python -m keras_gan.train sagan --steps 85 --seed 0")
    assert "test_cli_variants" in gallery.skip
    assert "no variant" in _plan(check, "python -m keras_gan.train sagn --steps 5").fail
    for runs in ("dcgan --steps 5 --seed 1", "dcgan --steps 5 --batch-size 8", "dcgan --seed"):
        plan_ = _plan(check, f"python -m keras_gan.train {runs}")
        assert plan_.skip is None and plan_.fail is None and "--steps" in plan_.steps[0][1]
    commands = [
        check.Command("x.md", 1, "python benchmarks/mode_collapse.py --task ring --seeds 0"),
        check.Command("x.md", 2, "python benchmarks/mode_collapse.py --task ring --seeds 1"),
        check.Command("x.md", 3, "python benchmarks/mode_collapse.py --task grid --seeds 1"),
    ]
    full, repeat, other_task = check.plan_all(commands)
    assert full.note is None and other_task.note is None
    assert repeat.note == "arguments only: this script ran on this backend for x.md:1"
    argv = repeat.steps[0][1]
    assert argv[1] == "-c" and " ".join(argv[3:]) == (
        "benchmarks/mode_collapse.py --task ring --seeds 0 --steps 4 --eval-every 4"
    )


def test_every_documented_command_has_a_rule(check):
    commands = check.find_commands()
    paths = {c.path for c in commands}
    assert {"README.md", "docs/training.md", "keras_gan/train.py", "keras_gan/evaluate.py"} <= paths
    assert "docs/tutorials/README.md" not in paths  # the same file as tutorials/README.md
    plans = check.plan_all(commands, "/offline")
    unplanned = [c.where for c, p in zip(commands, plans) if p.fail]
    assert unplanned == []


def test_the_shards_split_every_command_once_and_keep_shared_runs_together(check):
    commands = check.find_commands()
    plans = check.plan_all(commands, "/offline")
    parts = [check.shard_of(p, 6, "/offline") for p in plans]
    assert set(parts) == set(range(6))  # each of the 6 parts has commands, each command one part
    for plan_, part in zip(plans, parts):
        same_run = [q for p, q in zip(plans, parts) if p.key() == plan_.key()]
        assert set(same_run) == {part}
    # A command's part does not depend on the data folder's path on this machine.
    elsewhere = check.plan_all(commands, "/elsewhere/data")
    assert [check.shard_of(p, 6, "/elsewhere/data") for p in elsewhere] == parts
    assert check.parse_shard("2/6") == (2, 6)
    for bad in ("0/6", "7/6", "6", "a/b", "", "-1/3"):
        with pytest.raises(ValueError, match="I/N"):
            check.parse_shard(bad)
