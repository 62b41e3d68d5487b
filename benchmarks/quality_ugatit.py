"""Quality of U-GAT-IT on CPU-sized unpaired translation (outlines <-> digits) under a time budget.

Data: `mnist_edges`, unpaired (MNIST digits, offline when `KERAS_GAN_DATA_DIR=/work/shared/data`;
else scikit-learn's digits, upsampled, and the JSON says so), 28x28: domain A the one-pixel
outlines of digits (`keras_gan.datasets.derived.edge_maps`), domain B digits, the two sides of a
batch from different digits. Each test translation has an exact answer (a held-out digit's outline
is translated to B, whose answer is the digit itself; a digit to A, whose answer is its outline),
so the model trains on the training split with the paper's losses and optimiser (constant
learning rate: the budget has no known end) and reports, per direction, on `--num-test` held-out
MNIST test digits:

- `domain_accuracy`: the share of translations a domain classifier (trained here on the real
  training outlines and digits) reads as the target domain (the issue's goal: >= 90%);
- `digit_accuracy`: the share a digit classifier (trained here on both real domains) gives the
  source digit's label (goal: >= 90%);
- `target_l1`: mean |G(x) - exact answer| against the same for the untranslated input
  (`identity_target_l1`), and `reconstruction_l1`: mean |x - G_{t->s}(G_{s->t}(x))|;
- `source_probability`: the generator's auxiliary classifier's mean reading of its inputs as its
  source domain (1: it tells the domains apart), for inputs of each domain;
- the classifiers' scores on the real test domains (their ceiling).

`--figure` draws the attention: for 6 held-out images per direction, the input, the generator's
CAM heatmap (the authors' `cam()`: summed attention maps, resized, scaled to [0, 1]) and the
translation.

Usage::

    KERAS_GAN_DATA_DIR=/work/shared/data KERAS_BACKEND=tensorflow \\
        python benchmarks/quality_ugatit.py --minutes 25 --output results/quality_ugatit.json
"""

import argparse
import json
import os
import sys
import time

import keras
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import config_flags  # noqa: E402
from quality_image_to_image import TimeBudget, accuracy  # noqa: E402
from quality_stargan import SIZE, classifier, scaled  # noqa: E402

DIRECTIONS = {"a_to_b": ("outline", "digit"), "b_to_a": ("digit", "outline")}


def save_figure(path, panels):
    """Two blocks of rows (A -> B, B -> A): input | heatmap | translation, 6 images each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 2 * len(panels["a_to_b"][0]), figsize=(12, 3.6))
    for block, (direction, (inputs, heat, translated)) in enumerate(panels.items()):
        for i in range(len(inputs)):
            column = block * len(inputs) + i
            axes[0, column].imshow(inputs[i, ..., 0], cmap="gray", vmin=-1, vmax=1)
            axes[1, column].imshow(inputs[i, ..., 0], cmap="gray", vmin=-1, vmax=1)
            axes[1, column].imshow(heat[i], cmap="jet", alpha=0.5, vmin=0, vmax=1)
            axes[2, column].imshow(translated[i, ..., 0], cmap="gray", vmin=-1, vmax=1)
        source, target = DIRECTIONS[direction]
        axes[0, block * len(inputs)].set_title(f"{source} -> {target}", fontsize=9, loc="left")
    for row, label in enumerate(("input", "CAM heatmap", "translation")):
        axes[row, 0].set_ylabel(label, fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="U-GAT-IT's training budget")
    parser.add_argument("--num-test", type=int, default=1000)
    parser.add_argument(
        "--classifier-seconds", type=float, default=60.0,
        help="training budget of each of the two scoring classifiers (at most 3 epochs)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    config_flags.add_argument(parser, "UGATITConfig", "base_filters=32")
    parser.add_argument("--output", help="JSON file (default: stdout)")
    parser.add_argument("--figure", help="PNG of the CAM heatmaps and translations")
    parser.add_argument("--checkpoint", help="also save the trained model here (.keras)")
    args = parser.parse_args(argv)

    from keras_gan import datasets, registry
    from keras_gan.datasets import derived

    keras.utils.set_random_seed(args.seed)
    variant = registry.get("ugatit")
    config = config_flags.config(parser, args.set, variant.config_class, seed=args.seed)
    load = dict(batch_size=config.batch_size, seed=args.seed, image_size=SIZE, paired=False)
    stream, info = datasets.load("mnist_edges", start_step=0, with_info=True, **load)
    source = info.extras["source"]

    # Real training domains for the two classifiers: every digit and its outline.
    digits, labels, _ = derived.digit_images(source, "train", SIZE)
    train_images = np.concatenate([scaled(derived.edge_maps(digits)), scaled(digits)])
    is_outline = np.concatenate([np.ones(len(digits)), np.zeros(len(digits))]).astype("float32")
    domain_classifier, budget = classifier(
        1, keras.losses.BinaryCrossentropy(from_logits=True), args.classifier_seconds
    )
    domain_classifier.fit(train_images, is_outline, batch_size=64, epochs=3, verbose=0,
                          shuffle=True, callbacks=[budget])  # fmt: skip
    digit_classifier, budget = classifier(
        10, keras.losses.SparseCategoricalCrossentropy(from_logits=True), args.classifier_seconds
    )
    digit_classifier.fit(train_images, np.concatenate([labels, labels]), batch_size=64, epochs=3,
                         verbose=0, shuffle=True, callbacks=[budget])  # fmt: skip

    if source == "mnist":
        test_digits, test_labels, _ = derived.digit_images("mnist", "test", SIZE)
    else:  # sklearn's digits have one split: the last ones (also in training; the JSON says so)
        test_digits, test_labels = digits[-args.num_test :], labels[-args.num_test :]
    test_digits, test_labels = test_digits[: args.num_test], test_labels[: args.num_test]
    test = {"outline": scaled(derived.edge_maps(test_digits)), "digit": scaled(test_digits)}

    def reads_outline(images):
        return domain_classifier.predict(images, batch_size=256, verbose=0)[:, 0] > 0

    model = variant.model_class.from_train_config(config, info.image_shape)
    model.compile(**model.default_optimizers())  # the paper's Adam, at a constant rate
    budget = TimeBudget(60 * args.minutes)
    start = time.time()
    model.fit(stream, epochs=1, steps_per_epoch=10**9, verbose=0, callbacks=[budget])
    seconds = time.time() - start
    if args.checkpoint:
        model.save(args.checkpoint)

    results, panels = {}, {}
    for direction, (source_domain, target_domain) in DIRECTIONS.items():
        inputs, truth = test[source_domain], test[target_domain]
        translated, heat, on_source = model.attention_maps(inputs, direction)
        back = model.translate(translated, "b_to_a" if direction == "a_to_b" else "a_to_b")
        _, _, on_target = model.attention_maps(truth, direction)
        read = reads_outline(translated)
        results[direction] = {
            "domain_accuracy": float(np.mean(read == (target_domain == "outline"))),
            "digit_accuracy": accuracy(digit_classifier, translated, test_labels),
            "target_l1": float(np.mean(np.abs(translated - truth))),
            "identity_target_l1": float(np.mean(np.abs(inputs - truth))),
            "reconstruction_l1": float(np.mean(np.abs(back - inputs))),
            "source_probability_on_source": float(np.mean(on_source)),
            "source_probability_on_target": float(np.mean(on_target)),
        }
        panels[direction] = (inputs[:6], heat[:6], translated[:6])
    real = np.concatenate([test["outline"], test["digit"]])
    result = {
        "benchmark": "quality_ugatit",
        "backend": keras.backend.backend(),
        "data_source": source,
        "held_out": source == "mnist",
        "config": {**config.to_dict(), "learning_rate_schedule": "constant"},
        "minutes": args.minutes,
        "steps": budget.steps,
        "train_seconds": round(seconds, 1),
        "images_seen": budget.steps * config.batch_size * 2,
        "num_test": len(test_digits),
        **results,
        "domain_accuracy": float(np.mean([r["domain_accuracy"] for r in results.values()])),
        "digit_accuracy": float(np.mean([r["digit_accuracy"] for r in results.values()])),
        "real_test_domain_accuracy": float(
            np.mean(reads_outline(real) == np.repeat([True, False], len(test_digits)))
        ),
        "real_test_digit_accuracy": accuracy(
            digit_classifier, real, np.concatenate([test_labels, test_labels])
        ),
        "classifier_seconds": args.classifier_seconds,
        "goals": {"domain_accuracy": 0.9, "digit_accuracy": 0.9},
    }
    if args.figure:
        save_figure(args.figure, panels)
        result["figure"] = args.figure
    text = json.dumps(result, indent=1)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
