"""Writes what every variant's config builds, as JSON, to compare a refactor's before and after.

For each registered variant and for its default and `--paper` configs (narrowed to small widths):
the model's class, its `get_config()` without the networks, each network's parameter count, every
weight's shape, the optimizers `from_train_config` compiles and those `compile()` picks without
arguments. Two snapshots of the same code are identical; a refactor that keeps every variant as
it was leaves them identical too (issue 21 was checked so).

    KERAS_BACKEND=tensorflow python scripts/snapshot_variants.py before.json
    # ... change the code ...
    KERAS_BACKEND=tensorflow python scripts/snapshot_variants.py after.json
    cmp before.json after.json

A variant whose paper config needs a download (SRGAN's VGG54 weights) records the error instead.
Also prints each variant file's length and its `train_step`'s, the lesson that must not shrink.
"""

import ast
import dataclasses
import json
import pathlib
import sys

import keras

from keras_gan import registry

# Sample shapes per data kind: the translation models' default networks want 32x32.
SHAPES = {"unpaired": (32, 32, 1), "paired": (32, 32, 1)}
NARROW = {
    "base_filters": 4, "filters": 4, "discriminator_filters": 4, "generator_filters": 4,
    "hidden_units": 4, "coarse_units": 4, "dense_units": 4, "embedding_dim": 4,
    "compressed_dim": 4, "text_pretrain_steps": 0, "pretrain_steps": 0,
}  # fmt: skip


def _optimizer(optimizer):
    config = keras.optimizers.serialize(optimizer)["config"]
    config.pop("name", None)
    return {"class": type(optimizer).__name__, **config}


def snapshot(name):
    variant = registry.get(name)
    fields = {f.name for f in dataclasses.fields(variant.config_class)}
    narrow = {k: v for k, v in NARROW.items() if k in fields}
    shape = (28, 28, 1) if name == "srgan" else SHAPES.get(variant.data_kind, (28, 28, 1))
    num_classes = 10 if variant.data_kind == "labelled" else None
    entries = {}
    for label, config in (
        ("default", variant.config_class()),
        (
            "paper",
            dataclasses.replace(variant.config_class().with_paper_settings(), image_size=None),
        ),
    ):
        try:
            model = variant.model_class.from_train_config(
                dataclasses.replace(config, **narrow), shape, num_classes=num_classes
            )
        except Exception as error:  # noqa: BLE001 (recorded, compared like the rest)
            entries[label] = f"{type(error).__name__}: {str(error)[:200]}"
            continue
        saved = {
            k: v
            for k, v in model.get_config().items()
            if not (isinstance(v, dict) and "class_name" in v)
        }
        entries[label] = {
            "class": type(model).__name__,
            "config": json.loads(json.dumps(saved, default=str)),
            "params": {n: int(getattr(model, n).count_params()) for n in model.network_names},
            "weights": [list(w.shape) for w in model.weights],
            "optimizers": {n: _optimizer(getattr(model, n)) for n in model.optimizer_targets},
            "default_optimizers": {n: _optimizer(o) for n, o in model.default_optimizers().items()},
        }
    return entries


def line_counts():
    """Each variant file's lines and its `train_step`'s."""
    counts = {}
    for path in sorted((pathlib.Path(__file__).parents[1] / "keras_gan" / "models").glob("*.py")):
        text = path.read_text()
        steps = [
            node.end_lineno - node.lineno + 1
            for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.FunctionDef) and node.name == "train_step"
        ]
        counts[path.name] = {
            "lines": len(text.splitlines()),
            "train_step": steps[0] if steps else None,
        }
    return counts


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/snapshot_variants.py OUTPUT.json")
    result = {name: snapshot(name) for name in registry.available()}
    with open(sys.argv[1], "w") as file:
        json.dump(result, file, indent=1, sort_keys=True, default=str)
    for name, counts in line_counts().items():
        print(f"{name:16} {counts['lines']:4} lines, train_step {counts['train_step']}")
    print(f"wrote {sys.argv[1]}")


if __name__ == "__main__":
    main()
