"""Runs every shell command the documentation shows, scaled down, and says which ones fail.

    python3 scripts/check_doc_commands.py              # all of them, two at a time
    python3 scripts/check_doc_commands.py --list       # only list them (file:line) and the plan
    python3 scripts/check_doc_commands.py -k sample    # those whose file:line or text matches
    python3 scripts/check_doc_commands.py --shard 2/6  # the 2nd of 6 parts (CI runs one per run)

Where the commands come from: fenced ```bash / ```sh / ```shell / ```console blocks (and the
`$ ` lines of untyped ``` / ```text transcripts) and inline `...` commands (`python -m
keras_gan...`, `python benchmarks/...`, `bash scripts/...`, `KERAS_BACKEND=... python ...`,
`tensorboard --logdir ...`, `mkdocs ...`, `pip install ...`) in README.md, docs/**/*.md and
tutorials/README.md, and the "Examples:" / "Usage::" sections of the module docstrings of
keras_gan/train.py, sample.py and evaluate.py (what their --help prints).

How each one is checked, by `plan()`:

- It runs in its own temporary copy of the repository (relative paths such as `runs/dcgan` or
  `benchmarks/results/...` resolve as in a clone; nothing is written into the real one), with
  the python, pip, tensorboard, ... of the interpreter running this script, under a timeout.
- Scaled down: training commands take `--steps 2` (`TRAIN_FLAGS`), benchmarks their smallest
  budgets (`BENCHMARK_FLAGS`); `pip install` is a `--dry-run` (and the extras it names must be
  declared); `mkdocs serve` is `mkdocs build`; `tensorboard --logdir X` is
  `tensorboard --inspect --logdir X`; `scripts/test.sh` runs one small test module.
- What a command reads that another one makes (a checkpoint to sample or evaluate, student
  notebooks to grade, the metrics' classifiers) comes from a setup run made once (`FIXTURES`).
- A console transcript passes when the command prints the output the docs show (an error
  message, say), whatever its exit status.
- Commands whose reduced form is the same run once. A benchmark runs in full once per script,
  backend and task (`BENCHMARK_RUN_ONCE_PER`); its other documented commands (other seeds,
  budgets or subsets) have their arguments checked by the script's own parser.
- A command that cannot run here (a GPU, a dataset from a download host, an interactive server)
  or that .ci/run or a test already runs as written is SKIPPED with its reason (`SKIPS`,
  `DEFAULTS_COVERED`), never silently; a command no rule covers FAILs.

Output: one line per command (ok / FAIL / SKIPPED with the reason; wall and CPU seconds), the
end of the output of each failure, then `N passed, N failed, N skipped`; the exit status is 1
when any command or setup run failed.

The environment is passed on: KERAS_BACKEND (for the commands that do not set it),
KERAS_GAN_DATA_DIR (the offline MNIST files; a documented `KERAS_GAN_DATA_DIR=/some/path` is
replaced by it; without it the commands that name one are skipped), TFDS_DATA_DIR. The
metrics' classifiers are cached in a temporary KERAS_GAN_CACHE_DIR, seeded with the ones
already cached in yours (never written back).
"""

import argparse
import ast
import concurrent.futures
import dataclasses
import glob
import json
import os
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable

MARKDOWN = ["README.md", "docs/**/*.md", "tutorials/README.md"]
DOCSTRING_MODULES = ["keras_gan/train.py", "keras_gan/sample.py", "keras_gan/evaluate.py"]
SHELL_FENCES = {"bash", "sh", "shell", "console"}

# An inline `...` span is a command when it starts (after NAME=value assignments) like this.
INLINE_COMMAND = re.compile(
    r"^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?:"
    r"python3? -m keras_gan\b|python3? (?:benchmarks|scripts)/|bash scripts/|"
    r"tensorboard --logdir\b|mkdocs \w|python3? -c |pip install )"
)
# Words that stand for a value in the docs, and what the check puts there.
PLACEHOLDERS = {
    "VARIANT": "dcgan",
    "CHECKPOINT": "runs/dcgan/checkpoints/last.keras",
    "<name>": "dcgan",
    "NN_topic": "01_gan_objective_toy",
}

# Documented commands that are not run, and why (a regex searched in the command's text).
SKIPS = [
    (r"--device gpu", "needs a GPU"),
    (
        r"\bKERAS_DISTRIBUTION_NUM_PROCESSES=",
        "one host's part of a run of several (it waits for the others); tests/test_distribution.py "
        "runs such a run as 2 processes on this machine",
    ),
    (r"\bjupyter lab\b", "starts an interactive server"),
    (
        r"^bash scripts/test\.sh$",
        "the whole suite on three backends: .ci/run runs exactly this command (its 'tests' part)",
    ),
    (
        r"^bash scripts/run_tutorials\.sh$",
        "every notebook: .ci/run runs exactly this command (its 'tutorials on jax' part)",
    ),
    (
        r"\bQUICK=False\b",
        "a tutorial at its full size (tens of minutes); .ci/run runs the same script with quick=True",
    ),
    (r"python3? -m pytest\b", "a part of the test suite, which .ci/run runs on every backend"),
    (
        r'^pip install -e "\.\[jax\]" && KERAS_BACKEND=jax python -m keras_gan\.train dcgan$',
        ".ci/run runs exactly this command (3 steps) in a fresh virtual environment",
    ),
    (r"^mkdocs build --strict$", ".ci/run's docs part runs exactly this command"),
    (
        r"^OUT_DIR=\S+ bash scripts/run_tutorials\.sh$",
        "every notebook: .ci/run runs this command with its own OUT_DIR (its 'tutorials on jax' "
        "part)",
    ),
    (
        r"^KERAS_GAN_EXECUTED_TUTORIALS=\S+ mkdocs build --strict\b",
        ".ci/run's docs part runs this command (its own site folder) on the notebooks its "
        "tutorials part executed",
    ),
    (
        r"^python scripts/check_docs_site\.py \S+ --executed$",
        ".ci/run's 'docs in a browser' part runs this command on the site its docs part built",
    ),
    (
        r"scripts/check_doc_commands\.py",
        "this check itself: .ci/run runs one part of it per run (--shard I/6)",
    ),
    (
        r'^pip install -e "\.\[docs\]" && mkdocs serve$',
        '.ci/run\'s docs part runs pip install -e ".[docs]" && mkdocs build --strict',
    ),
    (
        r"keras_gan\.train .*--dataset cifar10\b",
        "CIFAR-10 is not among the offline files (KERAS_GAN_DATA_DIR): tensorflow-datasets would "
        "download it",
    ),
    (
        r"--dataset cycle_gan/",
        "the cycle_gan/* sets come from tensorflow-datasets' download host, not the offline files",
    ),
    (r"--dataset facades/", "a folder of pix2pix's facades files, which the user downloads"),
    (
        r"keras_gan\.train lapgan --paper",
        "lapgan --paper trains on CIFAR-10, which is not among the offline files",
    ),
    (
        r"--dataset celeb_a\b|keras_gan\.train stargan --paper",
        "CelebA (1.3 GB from Google Drive) is not among the offline files; "
        "tests/models/test_stargan.py trains on tfds' mock CelebA and checks the offline refusal",
    ),
]

# `python -m keras_gan.train VARIANT` alone: what tests/test_cli_variants.py runs for every
# registered variant on every backend (2 steps); the check only makes sure VARIANT is registered.
DEFAULTS_COVERED = (
    "tests/test_cli_variants.py trains every registered variant with its defaults (2 steps) on "
    "each backend"
)

# keras_gan.train: flags set (replaced when the command has them, else added).
TRAIN_FLAGS = {"--steps": "2"}
TRAIN_FLAGS_IF_GIVEN = {"--checkpoint-every": "1", "--epochs": None}
# --paper runs at batch 8: the paper's networks and image sizes, without minutes per CPU step.
TRAIN_FLAGS_IF_PAPER = {"--batch-size": "8"}
# Variants whose default spends minutes on a pretraining phase that --steps does not count:
# GAN-INT-CLS's text encoder (1,000 steps), SRGAN's MSE phase (as tests/test_cli_variants.py).
TRAIN_VARIANT_FLAGS = {
    "gan_int_cls": {"--text-pretrain-steps": "2"},
    "srgan": {"--pretrain-steps": "0"},
}
# Benchmarks: their smallest budgets. nargs="+" flags (--seeds) keep one value.
BENCHMARK_FLAGS = {
    "mode_collapse.py": {"--steps": "4", "--eval-every": "4", "--seeds": "0"},
    "step_time.py": {"--steps": "2", "--warmup": "0", "--rounds": "1"},
    "torch_reference.py": {"--steps": "2", "--warmup": "0"},
    "input_pipeline.py": {"--batches": "20", "--steps": "2", "--warmup": "1"},  # 0: fit forever
    "quality_conditional.py": {"--minutes": "0.05", "--samples-per-class": "10"},
    "quality_wasserstein.py": {"--minutes": "0.05", "--checkpoints": "1", "--num-samples": "200"},
    "quality_progan.py": {"--minutes": "0.05", "--checkpoints": "1", "--num-samples": "200"},
    "quality_image_to_image.py": {"--minutes": "0.05", "--num-train": "256", "--num-test": "64"},
    "quality_special.py": {"--minutes": "0.05"},
    "quality_stargan.py": {"--minutes": "0.05", "--num-test": "16", "--classifier-seconds": "2"},
    "quality_ugatit.py": {"--minutes": "0.05", "--num-test": "16", "--classifier-seconds": "2"},
    "trace_translation_collapse.py": {"--steps": "2", "--every": "1"},
    "first_run.py": {"--samples": "50"},
    "dcgan_short_runs.py": {"--score-at": "2", "--samples": "50", "--base-filters": "4"},
    "ema.py": {"--steps": "4", "--every": "2", "--num-samples": "50", "--seeds": "0"},
    "regularization.py": {"--steps": "2", "--rounds": "1", "--warmup": "0"},
    "semi_supervised.py": {"--steps": "2", "--every": "2", "--seeds": "0"},
    "resume_stream.py": {"--at-steps": "300", "--datasets": "digits"},
    "cogan_pairs.py": {
        "--epochs": "1",
        "--steps-per-epoch": "2",
        "--num-samples": "50",
        "--datasets": "mnist_negative",
        "--configurations": "shared",
    },
    "augment.py": {
        "--steps": "4",
        "--every": "2",
        "--num-samples": "50",
        "--seeds": "0",
        "--fractions": "1",
    },
}
# Benchmarks that pass the flags after `--` to `python -m keras_gan.train`: these are set there.
BENCHMARK_TRAIN_FLAGS = {"first_run.py": {"--steps": "2"}}
# A benchmark runs in full once per script, backend and these flags (the first such command in
# the docs); its other documented commands (other seeds, budgets, subsets) only have their
# arguments checked (parsed by the script's own parser), which costs an import, not a run.
BENCHMARK_RUN_ONCE_PER = {
    "mode_collapse.py": ("--task", "--real"),
    "step_time.py": ("--profile-layers",),
    "quality_conditional.py": ("--raw-files",),
    "quality_special.py": (),
    "quality_wasserstein.py": (),
    "quality_progan.py": (),
    "ema.py": (),
    "augment.py": ("--settings",),
    "regularization.py": (),
    "semi_supervised.py": (),
}
PARSE_ONLY_SNIPPET = """
import argparse, os, runpy, sys
parse = argparse.ArgumentParser.parse_args
def parse_only(self, args=None, namespace=None):
    parse(self, args, namespace)
    print("arguments accepted")
    raise SystemExit(0)
argparse.ArgumentParser.parse_args = parse_only
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
runpy.run_path(sys.argv[0], run_name="__main__")
"""
NARGS_PLUS = {
    "--seeds", "--packing", "--variants", "--models", "--classes", "--metrics", "--at-steps",
    "--datasets", "--configurations", "--score-at",
}  # fmt: skip
# Benchmarks that score with the cached MNIST classifier.
NEEDS_MNIST_CLASSIFIER = {
    "first_run.py",
    "dcgan_short_runs.py",
    "mode_collapse.py",
    "quality_conditional.py",
    "quality_wasserstein.py",
    "quality_progan.py",
    "quality_special.py",
}

# What a command may read that another command makes: made once per check, copied in.
FIXTURES = {
    "runs/dcgan": "python -m keras_gan.train dcgan --dataset digits --image-size 16 --steps 2",
    "runs/cgan": "python -m keras_gan.train cgan --dataset digits --image-size 16 --steps 2",
    "runs/cogan": "python -m keras_gan.train cogan --image-size 16 --steps 2",
    "runs/dcgan_ema": "python -m keras_gan.train dcgan --dataset digits --image-size 16 --steps 2 "
    "--ema-half-life 10000 --ema-rampup 0.05",
    "dcgan.keras": "python -m keras_gan.train dcgan --dataset stacked_mnist --steps 2",
    "dcgan_smnist.keras": "python -m keras_gan.train dcgan --dataset stacked_mnist --steps 2",
    "ring_gan.keras": "a 2-D toy GAN (keras_gan.lab.build_toy_gan), one step on the ring, saved",
    "student": "python -m keras_gan.assignments build tutorials/04_wasserstein.ipynb",
    "submitted": "one student's folder: python -m keras_gan.assignments build "
    "tutorials/04_wasserstein.ipynb --output submitted/alice",
}
RING_SNIPPET = """
import sys
from keras_gan.datasets import RING
from keras_gan.lab import build_toy_gan
model = build_toy_gan(packing=2, generator_units=8, discriminator_units=4)
model.train_on_batch(RING.sample(16, seed=0)[0])
model.save(sys.argv[1])
"""
# Made before anything else: the MNIST files prepared once (commands run two at a time), and the
# classifiers of the metrics when none is cached: MNIST's on 5,000 images for one epoch (a full
# training takes minutes; the scores are not what is checked), digits' as it comes.
PREPARE_SNIPPET = """
import numpy as np
from keras_gan import datasets
from keras_gan.metrics import classifier
def part(split, n):
    data = datasets.load("mnist", split=split, batch_size=n, with_labels=True, shuffle=False)
    images, labels = next(iter(data))
    return np.asarray(images), np.asarray(labels)
classifier.load_classifier("mnist", epochs=1, train_data=part("train", 5000), test_data=part("test", 1000))
classifier.load_classifier("digits")
"""
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".pytest_cache",
    ".ruff_cache",
    "__pycache__",
    "*.egg-info",
    "runs",
    "site",
    "student",
    "submitted",
    "grades",
    "out",
    ".ci-cache",
    ".cache",
    "build",
    "dist",
    "site-check",
    ".ipynb_checkpoints",
)


@dataclasses.dataclass
class Result:
    status: str  # ok, FAIL, SKIPPED, setup
    wall: float = 0.0
    cpu: float = 0.0  # of the command and every process it started and waited for
    detail: str = None  # why it failed, with the end of its output; why it was skipped


@dataclasses.dataclass
class Command:
    """A documented command: where it is and its text (continuation lines joined)."""

    path: str
    line: int
    text: str
    env: dict = dataclasses.field(default_factory=dict)  # `export`s above it in its block
    shown: str = None  # a console transcript's first line of output for it

    @property
    def where(self):
        return f"{self.path}:{self.line}"


@dataclasses.dataclass
class Plan:
    """What the check runs for a command: steps of (env, argv), or the reason it does not."""

    steps: list = dataclasses.field(default_factory=list)
    needs: tuple = ()
    timeout: int = 300
    ok_codes: tuple = (0,)
    expect: str = None  # a regex the output must contain
    skip: str = None
    fail: str = None  # fails without running: the check has no rule for the command
    note: str = None  # said after the command: how it was checked, when not by a plain run
    identity: tuple = None  # benchmarks: what is run in full once (BENCHMARK_RUN_ONCE_PER)

    def key(self):
        """What identifies the run: commands with the same key run once."""
        inherited = {name: os.environ.get(name) for name in ("KERAS_BACKEND", "KERAS_GAN_DATA_DIR")}
        steps = [({**inherited, **env}, argv) for env, argv in self.steps]
        return repr((steps, self.needs, self.ok_codes, self.expect, self.skip, self.fail))

    def describe(self):
        if self.skip:
            return f"SKIPPED: {self.skip}"
        if self.fail:
            return f"FAIL: {self.fail}"
        shown = []
        for env, argv in self.steps:
            words = [f"{k}={v}" for k, v in env.items()] + [
                {PYTHON: "python", PARSE_ONLY_SNIPPET: "<parse the arguments only>"}.get(w, w)
                for w in argv
            ]
            shown.append(shlex.join(words))
        needs = f"   [with {', '.join(self.needs)} made first]" if self.needs else ""
        if self.ok_codes != (0,):
            needs += (
                f"   [exit status {'/'.join(map(str, self.ok_codes))} accepted, output checked]"
            )
        return " && ".join(shown) + needs + (f"   ({self.note})" if self.note else "")


# ---------------------------------------------------------------------------------------------
# Finding the commands


def strip_comment(line):
    """`line` without a trailing shell comment (a `#` outside quotes, at the start or after a space)."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def shell_lines(lines, first_line, console=False):
    """The commands of a shell block: `(line number, text, shown)`, continuations joined.

    In a console transcript (`console=True`) only the `$ ` lines are commands, and `shown` is the
    first line of output the transcript gives for one (else `None`).
    """
    commands, pending, start = [], "", None
    for offset, raw in enumerate(lines):
        line = raw.strip()
        if console and not pending:
            if not line.startswith("$ "):
                if line and commands and commands[-1][2] is None:
                    commands[-1] = commands[-1][:2] + (line,)
                continue  # a console block's output
            line = line[2:]
        if not pending:
            start = first_line + offset
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        text = strip_comment(pending + line).strip()
        pending = ""
        if text and not text.startswith("#"):
            commands.append((start, text, None))
    return commands


def commands_in_markdown(text, path):
    """The commands of fenced shell blocks and inline `...` command spans in a Markdown text."""
    commands, outside, fence, block, info, block_start = [], [], None, [], "", 0
    for number, line in enumerate(text.split("\n"), start=1):
        match = re.match(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)", line)
        if fence is None and match:
            fence, info, block, block_start = match.group(1), match.group(2).lower(), [], number + 1
            outside.append("")
            continue
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip()[len(fence) :].strip():
                if info in SHELL_FENCES or info in ("", "text"):  # the latter: `$ ` lines only
                    env, console = {}, info not in SHELL_FENCES or info == "console"
                    for start, command, shown in shell_lines(block, block_start, console):
                        commands.append(Command(path, start, command, dict(env), shown))
                        exported = re.match(r"^export\s+([A-Za-z_]\w*)=(\S+)$", command)
                        if exported:
                            env[exported.group(1)] = exported.group(2)
                fence = None
            else:
                block.append(line)
            outside.append("")
            continue
        outside.append(line)
    prose = "\n".join(outside)
    for match in re.finditer(r"(?<!`)`([^`\n]+(?:\n[^`\n]+)?)`(?!`)", prose):
        span = " ".join(match.group(1).split())
        if INLINE_COMMAND.match(span):
            line = prose.count("\n", 0, match.start()) + 1
            commands.append(Command(path, line, span))
    return sorted(commands, key=lambda c: c.line)


def commands_in_docstring(source, path):
    """The commands of the "Examples:" / "Usage::" section of a module's docstring."""
    tree = ast.parse(source)
    node = tree.body[0] if tree.body else None
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
        return []
    lines = node.value.value.split("\n")
    commands = []
    for index, line in enumerate(lines):
        if not re.match(r"^\s*(Examples?|Usage)\s*:{1,2}\s*$", line):
            continue
        indent = len(line) - len(line.lstrip())
        section = []
        for following in lines[index + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            section.append(following)
        for start, text, _ in shell_lines(section, node.value.lineno + index + 1):
            commands.append(Command(path, start, text))
    return commands


def find_commands(root=ROOT):
    """Every documented command, file by file in a fixed order."""
    paths, seen = [], set()
    for pattern in MARKDOWN:
        for path in sorted(glob.glob(os.path.join(root, pattern), recursive=True)):
            real = os.path.realpath(path)  # docs/tutorials is a link to tutorials/
            if real not in seen:
                seen.add(real)
                paths.append(os.path.relpath(real, root))
    commands = []
    for path in paths:
        with open(os.path.join(root, path), encoding="utf-8") as f:
            commands += commands_in_markdown(f.read(), path)
    for path in DOCSTRING_MODULES:
        with open(os.path.join(root, path), encoding="utf-8") as f:
            commands += commands_in_docstring(f.read(), path)
    return commands


# ---------------------------------------------------------------------------------------------
# Planning: what runs for each command


def set_flag(argv, flag, value, nargs=None):
    """`argv` with `flag` set to `value` (replacing its values, else appended); `None` removes it."""
    nargs = nargs or ("+" if flag in NARGS_PLUS else 1)
    out, i, found = [], 0, False
    while i < len(argv):
        word = argv[i]
        if word == flag or word.startswith(flag + "="):
            if not found and value is not None:
                out += [flag, value]
            found, i = True, i + 1
            if word == flag:
                if nargs == "+":
                    while i < len(argv) and not argv[i].startswith("-"):
                        i += 1
                else:
                    i += nargs
            continue
        out.append(word)
        i += 1
    if not found and value is not None:
        out += [flag, value]
    return out


def get_flag(argv, flag):
    for i, word in enumerate(argv):
        if word == flag and i + 1 < len(argv):
            return argv[i + 1]
        if word.startswith(flag + "="):
            return word.split("=", 1)[1]
    return None


def positionals(argv):
    """The words of `argv` that are neither flags nor (roughly) their values."""
    return [
        w
        for i, w in enumerate(argv)
        if not w.startswith("-") and (i == 0 or not argv[i - 1].startswith("--"))
    ]


def fixtures_read_by(argv):
    """The FIXTURES a command's arguments name (`runs/cgan/...`, `ring_gan.keras`, `student/...`)."""
    needs = []
    for word in argv:
        for name in FIXTURES:
            if (word == name or word.startswith(name + "/")) and name not in needs:
                needs.append(name)
    return tuple(needs)


def split_words(text, env):
    """`(env, words)` of each `&&`-joined part; env from `export` lines and NAME=value prefixes."""
    parts, words = [], shlex.split(text)
    current = []
    for word in words + ["&&"]:
        if word == "&&":
            local = dict(env)
            while current and re.match(r"^[A-Za-z_]\w*=", current[0]):
                name, value = current.pop(0).split("=", 1)
                local[name] = value
            parts.append((local, current))
            current = []
        else:
            current.append(word)
    return parts


def plan(command, data_dir=None):
    """The `Plan` of a documented command (see the module docstring)."""
    text = command.text
    for placeholder, value in PLACEHOLDERS.items():
        text = re.sub(rf"(?<![\w<]){re.escape(placeholder)}(?![\w>])", value, text)
    for pattern, reason in SKIPS:
        if re.search(pattern, text):
            return Plan(skip=reason)
    if re.match(r"^export\s+\w+=", text):
        return Plan(skip="sets a variable; the block's next commands run with it")
    steps, needs, timeouts, result = [], [], [], Plan()
    for env, argv in split_words(text, command.env):
        if "KERAS_GAN_DATA_DIR" in env:
            if not data_dir:
                return Plan(skip="needs the offline MNIST files: set KERAS_GAN_DATA_DIR")
            env["KERAS_GAN_DATA_DIR"] = data_dir
        if argv[:1] == ["taskset"]:
            argv = argv[3:]  # pinning a timing run to a core: not what is checked
        if not argv:
            return Plan(skip="nothing to run")
        part = plan_part(env, argv)
        if isinstance(part, Plan):
            return part
        if part is None:
            return Plan(fail="no rule for this command: add one to plan_part()")
        part_steps, part_needs, options = part
        steps += part_steps
        needs += [n for n in part_needs if n not in needs]
        timeouts.append(options.pop("timeout", 300))
        for name, value in options.items():
            setattr(result, name, value)
    result.steps, result.needs, result.timeout = steps, tuple(needs), max(timeouts)
    if command.shown:  # a transcript (of an error, say): its output must be what the docs show
        result.ok_codes, result.expect = (0, 1, 2), re.escape(command.shown[:60])
    return result


def plan_all(commands, data_dir=None):
    """The plans of `commands`; a benchmark already run in full by an earlier command (same
    script, backend and BENCHMARK_RUN_ONCE_PER flags) only has its arguments checked."""
    plans, first = [], {}
    for command in commands:
        plan_ = plan(command, data_dir)
        if plan_.identity is not None:
            if plan_.identity not in first:
                first[plan_.identity] = command.where
            else:
                env, argv = plan_.steps[0]
                plan_ = Plan(
                    steps=[(env, [PYTHON, "-c", PARSE_ONLY_SNIPPET] + argv[1:])],
                    timeout=120,
                    expect="arguments accepted",
                    note=f"arguments only: this script ran on this backend for {first[plan_.identity]}",
                )
        plans.append(plan_)
    return plans


def plan_part(env, argv):
    """`(steps, needs, Plan options)` for one `&&` part; a str is a skip reason; None: no rule."""
    program = argv[0]
    if program in ("python", "python3"):
        argv = [PYTHON] + argv[1:]
        if argv[1:3] == ["-m", "keras_gan.train"]:
            return plan_train(env, argv)
        if argv[1:3] == ["-m", "keras_gan.sample"]:
            return [(env, argv)], fixtures_read_by(argv), {"timeout": 180}
        if argv[1:3] == ["-m", "keras_gan.evaluate"]:
            dataset = get_flag(argv, "--dataset")
            if dataset not in ("ring", "grid"):  # 2-D toys need their protocol's 2,500 samples
                argv = set_flag(argv, "--num-samples", "200")
            return [(env, argv)], ("prepare",) + fixtures_read_by(argv), {"timeout": 240}
        if argv[1:3] == ["-m", "keras_gan.metrics.classifier"]:
            argv = set_flag(argv, "--epochs", "1")
            options = {"timeout": 300}
            if "--force" in argv:  # retrain into a cache of its own, not the one others read
                env = dict(env, KERAS_GAN_CACHE_DIR="classifier-cache")
                if get_flag(argv, "--dataset") != "digits":
                    argv = set_flag(argv, "--dataset", "digits")
                    options["note"] = "retrained on digits: an MNIST epoch takes minutes"
            return [(env, argv)], ("prepare",), options
        if argv[1:3] == ["-m", "keras_gan.assignments"]:
            if argv[3:4] == ["grade"]:  # an unsolved student notebook scores less than full marks
                expect = r'"score"' if "--json" in argv else r"Score: \d+/\d+"
                return [(env, argv)], fixtures_read_by(argv), {"ok_codes": (0, 1), "expect": expect}
            if argv[3:4] == ["grade-class"]:  # a folder of one unsolved submission
                return [(env, argv)], fixtures_read_by(argv), {"expect": r"1 submissions graded"}
            return [(env, argv)], (), {"timeout": 180}
        if argv[1:2] == ["-c"]:
            return [(env, argv)], (), {"timeout": 120}
        if len(argv) > 1 and argv[1].startswith("benchmarks/"):
            return plan_benchmark(env, argv)
        return None
    if program == "bash" and argv[1:2] == ["scripts/test.sh"]:
        # Only the script's own handling (BACKENDS, arguments); the suite itself is CI's part.
        env = dict(env, KERAS_GAN_SKIP_INSTALL="1")
        # Its extra arguments go to `pytest tests`: -k keeps one small module of the suite.
        return [(env, argv + ["-k", "test_losses"])], (), {"timeout": 300}
    if program == "bash" and argv[1:2] == ["scripts/run_tutorials.sh"]:
        return [(env, argv)], (), {"timeout": 480}
    if program == "pip" and argv[1:2] == ["install"]:
        return plan_pip(env, argv)
    if program == "mkdocs":
        argv = (
            [PYTHON, "-m", "mkdocs"] + (["build"] if argv[1] == "serve" else argv[1:2]) + argv[2:]
        )
        if argv[3] == "build":
            argv = set_flag(argv, "--site-dir", "site")
        return [(env, argv)], (), {"timeout": 300}
    if program == "tensorboard":
        logdir = get_flag(argv, "--logdir")
        argv = ["tensorboard", "--inspect", "--logdir", logdir]
        return [(env, argv)], fixtures_read_by(argv), {"timeout": 120, "expect": "Event statistics"}
    if program == "papermill":
        out = argv[2]
        argv = argv[:2] + [os.path.basename(out)] + argv[3:]  # an absolute output path: here
        for i in range(len(argv) - 2):
            if argv[i] == "-p" and argv[i + 1] == "steps":
                argv[i + 2] = "2"
        # The worked exercises train their own models (exercise_steps, 300 by default): at a
        # paper-scale command's widths they alone outlast the timeout (04 with paper True: >300 s).
        if "exercise_steps" in _notebook_parameters(argv[1]) and "exercise_steps" not in argv:
            argv = argv + ["-p", "exercise_steps", "2"]
        paper = any(argv[i : i + 3] == ["-p", "paper", "True"] for i in range(len(argv)))
        return [(env, argv)], (), {"timeout": 480 if paper else 300}  # as --paper training
    if program == "jupytext":
        return [(env, argv)], (), {"timeout": 60}
    return None


def _notebook_parameters(path):
    """Names assigned in a notebook's `parameters` cell (papermill's), or () if unreadable."""
    try:
        with open(os.path.join(ROOT, path)) as file:
            cells = json.load(file)["cells"]
    except (OSError, ValueError, KeyError):
        return ()
    for cell in cells:
        if "parameters" in cell.get("metadata", {}).get("tags", ()):
            source = "".join(cell["source"])
            return tuple(re.findall(r"^(\w+)\s*=", source, flags=re.MULTILINE))
    return ()


def _only_steps_and_default_seed(rest):
    """`VARIANT --steps N [--seed 0]`: once scaled to 2 steps, the same run as the defaults'."""
    words = list(rest[1:])
    if get_flag(words, "--seed") not in (None, "0"):
        return False
    while words:
        if words[0] in ("--steps", "--seed") and len(words) > 1:
            words = words[2:]
        else:
            return False
    return True


def plan_train(env, argv):
    rest = argv[3:]
    if "--list" in rest or "--help" in rest or "-h" in rest:
        return [(env, argv)], (), {"timeout": 120}
    if not positionals(rest):  # the program's name alone: its help
        return [(env, argv + ["--help"])], (), {"timeout": 120}
    if len(rest) == 1:
        if rest[0] not in registered_variants():
            return Plan(fail=f"no variant {rest[0]!r}; registered: {sorted(registered_variants())}")
        return Plan(skip=DEFAULTS_COVERED)
    if _only_steps_and_default_seed(rest):  # the gallery's commands: --steps 2 is the defaults
        if rest[0] not in registered_variants():
            return Plan(fail=f"no variant {rest[0]!r}; registered: {sorted(registered_variants())}")
        return Plan(
            skip=DEFAULTS_COVERED + " (--steps is what the check changes; --seed 0 is the default)"
        )
    for flag, value in TRAIN_FLAGS_IF_GIVEN.items():
        if get_flag(argv, flag) is not None:
            argv = set_flag(argv, flag, value)
    for flag, value in TRAIN_FLAGS.items():
        argv = set_flag(argv, flag, value)
    for flag, value in TRAIN_FLAGS_IF_PAPER.items() if "--paper" in argv else ():
        argv = set_flag(argv, flag, value)
    for flag, value in TRAIN_VARIANT_FLAGS.get(positionals(rest)[0], {}).items():
        argv = set_flag(argv, flag, value)
    accumulation = get_flag(argv, "--accumulation-steps")
    if accumulation and accumulation.isdigit() and int(accumulation) > 0:
        # the same micro-batch split, with micro-batches of 4 (a batch of 256 is minutes a step)
        argv = set_flag(argv, "--batch-size", str(4 * int(accumulation)))
    timeout = 480 if "--paper" in argv else 300
    if "--resume" in argv:  # the run it resumes first, then 2 more steps
        first = [w for w in argv if w != "--resume"]
        return [(env, first), (env, set_flag(argv, "--steps", "4"))], (), {"timeout": timeout}
    return [(env, argv)], (), {"timeout": timeout}


def plan_benchmark(env, argv):
    script = os.path.basename(argv[1])
    if script not in BENCHMARK_FLAGS:
        return None
    train = []
    if script in BENCHMARK_TRAIN_FLAGS:  # split off what goes to keras_gan.train
        argv, train = (
            (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
        )
        for flag, value in BENCHMARK_TRAIN_FLAGS[script].items():
            train = set_flag(train, flag, value)
    for flag, value in BENCHMARK_FLAGS[script].items():
        if script == "step_time.py" and "--profile-layers" in argv and flag != "--warmup":
            continue  # the layer profile has no steps or rounds of its own
        argv = set_flag(argv, flag, value)
    argv = argv + (["--", *train] if train else [])
    output = get_flag(argv, "--output")
    if output and output.endswith(".json"):  # the name of the JSON file makes no difference
        argv = set_flag(argv, "--output", "result.json")
    needs = ("prepare",) if script in NEEDS_MNIST_CLASSIFIER else ()
    options = {"timeout": 420}
    if script in BENCHMARK_RUN_ONCE_PER:
        backend = env.get("KERAS_BACKEND", os.environ.get("KERAS_BACKEND"))
        flags = [(f in argv, get_flag(argv, f)) for f in BENCHMARK_RUN_ONCE_PER[script]]
        options["identity"] = (script, backend, *flags)
    return [(env, argv)], needs, options


def plan_pip(env, argv):
    """pip install: the extras named must be declared, and a `--dry-run` of the same install must
    find every requirement (`--ignore-installed --no-deps`: what is already installed, such as
    keras_gan itself, does not count, and the dependencies are CI's real install's business)."""
    declared = declared_extras()
    for word in argv[2:]:
        match = re.match(r"^\.\[([\w,-]+)\]$", word)
        for extra in match.group(1).split(",") if match else ():
            if extra not in declared:
                message = f"pyproject.toml declares no extra {extra!r}; it has {sorted(declared)}"
                return [(env, [PYTHON, "-c", f"raise SystemExit({message!r})"])], (), {}
    dry = [
        PYTHON,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--ignore-installed",
        "--no-deps",
        "--quiet",
        "--disable-pip-version-check",
    ]
    return [(env, dry + argv[2:])], (), {"timeout": 300}


def registered_variants():
    """The names given to `@register(...)` in keras_gan/ (read, not imported)."""
    names = set()
    for path in glob.glob(os.path.join(ROOT, "keras_gan", "**", "*.py"), recursive=True):
        with open(path, encoding="utf-8") as f:
            names.update(re.findall(r'@register\(\s*"(\w+)"', f.read()))
    return names


def declared_extras():
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("[project.optional-dependencies]", 1)[-1].split("\n[", 1)[0]
    return set(re.findall(r"^([\w-]+)\s*=", section, flags=re.M))


# ---------------------------------------------------------------------------------------------
# Running


class Runner:
    def __init__(self, workdir, jobs, verbose):
        self.workdir, self.verbose = workdir, verbose
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
        self.fixture_lock = threading.Lock()
        self.fixtures, self.fixture_locks = {}, {}
        self.print_lock = threading.Lock()
        self.snapshot = os.path.join(workdir, "repository")
        shutil.copytree(ROOT, self.snapshot, symlinks=True, ignore=COPY_IGNORE)
        cache = os.path.join(workdir, "cache")
        os.makedirs(cache)
        own = os.environ.get("KERAS_GAN_CACHE_DIR") or os.path.expanduser("~/.keras/keras_gan")
        for path in glob.glob(os.path.join(own, "classifier_*")):
            shutil.copy(path, cache)
        bin_dir = os.path.dirname(PYTHON)
        self.env = dict(
            os.environ,
            PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
            KERAS_GAN_CACHE_DIR=cache,
            MPLBACKEND=os.environ.get("MPLBACKEND", "Agg"),
            PYTHONUNBUFFERED="1",
            TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
            JAX_COMPILATION_CACHE_DIR=os.environ.get(
                "JAX_COMPILATION_CACHE_DIR", os.path.expanduser("~/.cache/keras_gan/jax")
            ),
            JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
            JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0",
        )
        self.counter = 0
        self.running = set()  # processes started and not finished: ended if the check is stopped

    def stop(self):
        """Ends the process group of every command still running (Ctrl-C on the check)."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in list(self.running):
            self.kill(process)

    def folder(self, name):
        with self.fixture_lock:
            self.counter += 1
            path = os.path.join(self.workdir, f"{self.counter:03d}-{name}")
        shutil.copytree(self.snapshot, path, symlinks=True)
        return path

    def execute(self, steps, cwd, timeout):
        """Runs the steps in `cwd`: `(exit status of the first failing or last, output, CPU s)`."""
        output, cpu = "", 0.0
        for env, argv in steps:
            argv = [expanded for word in argv for expanded in self.expand(word, cwd)]
            try:
                process = subprocess.Popen(
                    argv,
                    cwd=cwd,
                    env=dict(self.env, **env),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    errors="replace",
                    start_new_session=True,  # its own process group: a timeout ends its workers too
                )
            except FileNotFoundError:
                return 127, output + f"{argv[0]}: not installed", cpu
            self.running.add(process)
            timed_out = threading.Event()
            timer = threading.Timer(timeout, self.kill, (process, timed_out))
            timer.start()
            try:
                out = process.stdout.read()
                # wait4 instead of wait: the CPU time of the command and the processes it waited for
                _, status, usage = os.wait4(process.pid, 0)
            finally:
                timer.cancel()
                self.running.discard(process)
            process.returncode = os.waitstatus_to_exitcode(status)
            process.stdout.close()
            output += out
            cpu += usage.ru_utime + usage.ru_stime
            if timed_out.is_set():
                return "timeout", output + f"\n[timed out after {timeout} s]", cpu
            if process.returncode != 0:
                return process.returncode, output, cpu
        return 0, output, cpu

    @staticmethod
    def kill(process, flag=None):
        """Ends `process` and the processes it started (its process group)."""
        if flag is not None:
            flag.set()
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    @staticmethod
    def expand(word, cwd):
        if "*" in word or "?" in word:
            matches = sorted(glob.glob(os.path.join(cwd, word)))
            if matches:
                return [os.path.relpath(m, cwd) for m in matches]
        return [word]

    def fixture(self, name):
        """Makes fixture `name` once; returns `(folder holding it, error or None)`."""
        key = FIXTURES.get(name, name)  # dcgan.keras and dcgan_smnist.keras: one run
        with self.fixture_lock:
            lock = self.fixture_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self.fixtures:
                self.fixtures[key] = self.make_fixture(name)
            return self.fixtures[key]

    def make_fixture(self, name):
        start = time.time()
        cwd = os.path.join(self.workdir, "fixtures", name.replace("/", "_"))
        os.makedirs(cwd)
        if name == "prepare":
            steps = [({}, [PYTHON, "-c", PREPARE_SNIPPET])]
            description = "MNIST prepared; the mnist (1 epoch) and digits classifiers cached"
        elif name == "submitted":  # FOLDER/<student>/<assignment>.ipynb
            build = [PYTHON, "-m", "keras_gan.assignments", "build",
                     os.path.join(self.snapshot, "tutorials", "04_wasserstein.ipynb")]  # fmt: skip
            steps = [({}, build + ["--output", os.path.join(cwd, "made", "alice")])]
            description = FIXTURES[name]
        elif name == "ring_gan.keras":
            steps = [({}, [PYTHON, "-c", RING_SNIPPET, os.path.join(cwd, name)])]
            description = FIXTURES[name]
        else:
            words = shlex.split(FIXTURES[name])
            words = [PYTHON if w == "python" else w for w in words]
            words = [
                os.path.join(self.snapshot, w) if w.startswith("tutorials/") else w for w in words
            ]
            steps = [({}, words + ["--output", os.path.join(cwd, "made")])]
            description = FIXTURES[name]
        code, output, cpu = self.execute(steps, cwd, timeout=600)
        error = None if code == 0 else f"exit {code}\n{tail(output)}"
        status = "setup" if error is None else "FAIL"
        self.report(Result(status, time.time() - start, cpu, error), f"(setup) {name}", description)
        return cwd, error

    def install_fixture(self, name, cwd):
        folder, error = self.fixture(name)
        if error or name == "prepare":
            return error
        made = os.path.join(folder, "made")
        target = os.path.join(cwd, name)
        os.makedirs(os.path.dirname(target) or cwd, exist_ok=True)
        if name.endswith(".keras"):
            source = made if os.path.isfile(made) else os.path.join(folder, name)
            if os.path.isdir(made):
                source = os.path.join(made, "checkpoints", "last.keras")
            shutil.copy(source, target)
        else:
            shutil.copytree(made, target)
        return None

    def run(self, command, plan_):
        """Runs a command's plan in a fresh copy of the repository; returns its `Result`."""
        start = time.time()
        if plan_.fail:
            return Result("FAIL", detail=plan_.fail)
        cwd = self.folder(re.sub(r"\W+", "_", command.where))
        for name in plan_.needs:
            error = self.install_fixture(name, cwd)
            if error:
                return Result("FAIL", time.time() - start, 0.0, f"setup {name} failed: {error}")
        code, output, cpu = self.execute(plan_.steps, cwd, plan_.timeout)
        problems = []
        if code not in plan_.ok_codes:
            problems.append(f"exit status {code}")
        if "Traceback (most recent call last)" in output:
            problems.append("a traceback in the output")
        if plan_.expect and not re.search(plan_.expect, output):
            problems.append(f"no {plan_.expect!r} in the output")
        status = "FAIL" if problems else "ok"
        if status == "ok" and not self.verbose:
            shutil.rmtree(cwd, ignore_errors=True)
        detail = None
        if problems:
            detail = f"{'; '.join(problems)} (ran in {cwd})\n{tail(output)}"
        return Result(status, time.time() - start, cpu, detail)

    def report(self, result, where, text):
        times = f"{result.wall:5.0f}s {result.cpu:5.0f}s CPU" if result.wall else " " * 16
        with self.print_lock:
            print(f"{result.status:8} {times}  {where}  {text}", flush=True)
            if result.detail and self.verbose and result.status == "FAIL":
                print(indent(result.detail), flush=True)


def shown(command, plan_):
    """The command as documented, and how it was checked when not by a plain run."""
    return command.text + (f"  ({plan_.note})" if plan_.note else "")


def parse_shard(text):
    """`"I/N"` -> `(I, N)`, with 1 <= I <= N; a ValueError naming the accepted form otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ValueError(f"--shard takes I/N with 1 <= I <= N, e.g. 2/6. Received: {text!r}")
    return int(match.group(1)), int(match.group(2))


def shard_of(plan_, count, data_dir=None):
    """Which of `count` parts (0-based) a planned run falls in.

    Split by a checksum of what the run is (`describe()`, with the data folder written as its
    variable), so the commands that share a run share a part, a command keeps its part on every
    machine and when other commands are added, and the N parts together are every command.
    """
    text = plan_.describe()
    if data_dir:
        text = text.replace(data_dir, "$KERAS_GAN_DATA_DIR")
    return zlib.crc32(text.encode("utf-8")) % count


def tail(output, lines=25):
    return "\n".join(output.rstrip().split("\n")[-lines:])


def indent(text):
    return "\n".join("         | " + line for line in text.split("\n"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--list", action="store_true", help="only list the commands and their plans"
    )
    parser.add_argument(
        "-k", dest="pattern", help="only the commands whose file:line or text matches this regex"
    )
    parser.add_argument(
        "-j", "--jobs", type=int, default=2, help="commands run at once. Default: 2"
    )
    parser.add_argument(
        "--shard",
        metavar="I/N",
        help="only the I-th of N parts of the commands (split by what each runs): N runs with "
        "I = 1..N check every command; .ci/run runs one part per run",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print failures as they come; keep the work folders",
    )
    args = parser.parse_args(argv)
    shard = None
    if args.shard is not None:
        try:
            shard = parse_shard(args.shard)
        except ValueError as error:
            parser.error(str(error))

    data_dir = os.environ.get("KERAS_GAN_DATA_DIR")
    commands = find_commands()
    if args.pattern:
        commands = [c for c in commands if re.search(args.pattern, f"{c.where} {c.text}", re.I)]
    plans = plan_all(commands, data_dir)
    if shard:
        index, count = shard
        kept = [i for i, p in enumerate(plans) if shard_of(p, count, data_dir) == index - 1]
        print(f"part {index} of {count}: {len(kept)} of {len(commands)} documented commands")
        commands, plans = [commands[i] for i in kept], [plans[i] for i in kept]
    if args.list:
        per_file = {}
        for command, plan_ in zip(commands, plans):
            per_file[command.path] = per_file.get(command.path, 0) + 1
            print(f"{command.where}  {command.text}\n    -> {plan_.describe()}")
        print(f"{len(commands)} commands: " + ", ".join(f"{p} {n}" for p, n in per_file.items()))
        return 0

    if not data_dir:
        print("note: KERAS_GAN_DATA_DIR is not set: the MNIST commands download MNIST", flush=True)
    backend = os.environ.get("KERAS_BACKEND", "keras' default")
    print(
        f"{len(commands)} documented commands; python {PYTHON}; KERAS_BACKEND={backend}", flush=True
    )
    started = time.time()
    workdir = tempfile.mkdtemp(prefix="keras_gan_doc_commands_")
    runner = Runner(workdir, args.jobs, args.verbose)
    results, first_of, futures = {}, {}, {}
    for index, (command, plan_) in enumerate(zip(commands, plans)):
        if plan_.skip:
            results[index] = Result("SKIPPED", detail=plan_.skip)
            runner.report(results[index], command.where, f"{command.text}  ({plan_.skip})")
            continue
        key = plan_.key()
        if key in first_of:
            continue  # reported with the first command of the same plan
        first_of[key] = index
        futures[runner.pool.submit(runner.run, command, plan_)] = index
    try:
        for future in concurrent.futures.as_completed(futures):
            index = futures[future]
            try:
                results[index] = future.result()
            except Exception as error:  # the check itself broke: say so, count it as a failure
                results[index] = Result("FAIL", detail=f"check error: {error!r}")
            runner.report(
                results[index], commands[index].where, shown(commands[index], plans[index])
            )
    except KeyboardInterrupt:
        runner.stop()
        print(f"interrupted: the commands still running were stopped; work folders in {workdir}")
        return 130
    runner.pool.shutdown()
    for index, plan_ in enumerate(plans):
        if index not in results:
            first = first_of[plan_.key()]
            results[index] = dataclasses.replace(results[first], wall=0.0, cpu=0.0)
            same = f"{shown(commands[index], plan_)}  (same run as {commands[first].where})"
            runner.report(results[index], commands[index].where, same)

    failed = sorted(i for i, r in results.items() if r.status == "FAIL")
    setup_failed = sum(error is not None for _, error in runner.fixtures.values())
    if failed and not args.verbose:
        print("\nFailures:")
        printed = set()
        for index in failed:
            first = first_of.get(plans[index].key(), index)
            if first in printed:
                continue
            printed.add(first)
            print(f"FAIL {commands[index].where}  {commands[index].text}")
            print(f"     ran: {plans[index].describe()}")
            print(indent(results[index].detail or ""))
    passed = sum(r.status == "ok" for r in results.values())
    skipped = sum(r.status == "SKIPPED" for r in results.values())
    if args.verbose:
        print(f"work folders kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"{passed} passed, {len(failed)} failed, {skipped} skipped in {time.time() - started:.0f} s"
        f" ({cpu.ru_utime + cpu.ru_stime:.0f} s of CPU time)"
        + (f"; {setup_failed} setup runs failed" if setup_failed else "")
    )
    return 1 if failed or setup_failed else 0


if __name__ == "__main__":
    sys.exit(main())
