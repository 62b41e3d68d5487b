"""Quality of StarGAN on CPU-sized multi-domain digit translation under a time budget. Writes JSON.

Data: `mnist_attributes` (MNIST digits, offline when `KERAS_GAN_DATA_DIR=/work/shared/data`;
else scikit-learn's digits, upsampled, and the JSON says so), 28x28: each digit with random
binary attributes (thick strokes, outline, negative), each a known transform
(`keras_gan.datasets.derived.apply_attributes`), so 8 domains. The model trains on the training
split with the paper's losses and optimiser (constant learning rate: the budget has no known
end), then translates each of `--num-test` held-out test digits (with random source attributes)
into all 8 domains, and reports:

- `attribute_accuracy`: the share of translations an attribute classifier (three sigmoid
  outputs, trained here on the real training domains) reads as exactly the target attributes
  (the issue's goal: >= 90%), and per attribute;
- `digit_accuracy`: the share a digit classifier (trained here on the real digits of all 8
  domains) gives the source digit's label (goal: >= 90%); split, per attribute, by whether the
  target changes it or keeps the source's value (`digit_accuracy_by_attribute`), and for the
  translations whose target is the source's own domain (`digit_accuracy_identity`);
- `reconstruction_l1`: mean |x - G(G(x, c), c')| in [-1, 1] units;
- `target_l1`: mean |G(x, c) - T_c(digit)|, the distance to the exact answer (the clean digit
  with the target attributes applied), against the same distance for the untranslated input
  (`identity_target_l1`), the error of doing nothing;
- the same two classifiers' scores on the real test domains (their ceiling).

With attribute groups (`--set attributes=thick,outline+negative`), the model trains on two
datasets with different labels through StarGAN's mask vector (the digits of the first never
negative, those of the second never thick or outlined), and each target is one dataset's
attributes under its mask: the exact answer keeps the source's other attributes, so the scores
say whether G changes the target dataset's attributes and keeps the rest, including on
sources whose combination (e.g. thick and negative) no training image has.

Usage::

    KERAS_GAN_DATA_DIR=/work/shared/data KERAS_BACKEND=tensorflow \\
        python benchmarks/quality_stargan.py --minutes 25 --output results/quality_stargan.json
"""

import argparse
import itertools
import json
import os
import sys
import time

import keras
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import config_flags  # noqa: E402
from quality_image_to_image import TimeBudget, accuracy, correct  # noqa: E402

SIZE = 28


def classifier(outputs, loss, seconds):
    """A small CNN on 28x28x1 images, trained for at most `seconds` (3 epochs)."""
    model = keras.Sequential([
        keras.Input((SIZE, SIZE, 1)),
        keras.layers.Conv2D(32, 3, strides=2, activation="relu"),
        keras.layers.Conv2D(64, 3, strides=2, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(outputs),
    ])  # fmt: skip
    model.compile("adam", loss)
    return model, TimeBudget(seconds)


def scaled(uint8):
    return uint8[..., None].astype("float32") / 127.5 - 1.0


def save_figure(path, inputs, rows, labels, names):
    """Input | 8 translations, and under each row the exact answers (blank under the input)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from keras_gan.plotting import image_grid

    tiles = []
    for i in range(len(inputs)):
        tiles += [inputs[i], *(translated[i] for translated, _ in rows)]
        tiles += [np.full_like(inputs[i], -1.0), *(truth[i] for _, truth in rows)]
    grid = image_grid(np.stack(tiles), rows=2 * len(inputs))
    labels = ["input", *labels]
    fig, ax = plt.subplots(figsize=(len(labels) * 0.9, 2 * len(inputs) * 0.9 + 0.6))
    ax.imshow(grid, cmap="gray")
    step = grid.shape[1] / len(labels)
    ax.set_xticks([step * (j + 0.5) for j in range(len(labels))], labels, fontsize=8)
    ax.set_yticks([])
    ax.set_title(f"rows: translation G(x, c), then the exact answer; columns: c = {'/'.join(names)}",
                 fontsize=8)  # fmt: skip
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="StarGAN's training budget")
    parser.add_argument("--num-test", type=int, default=1000)
    parser.add_argument(
        "--classifier-seconds", type=float, default=60.0,
        help="training budget of each of the two scoring classifiers (at most 3 epochs)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    config_flags.add_argument(parser, "StarGANConfig", "base_filters=32")
    parser.add_argument("--output", help="JSON file (default: stdout)")
    parser.add_argument(
        "--figure", help="PNG of 8 held-out digits (rows): the input, its translations into "
        "the 8 domains, and under each row the exact answers",
    )  # fmt: skip
    parser.add_argument("--checkpoint", help="also save the trained model here (.keras)")
    args = parser.parse_args(argv)

    from keras_gan import datasets, registry
    from keras_gan.datasets import derived

    keras.utils.set_random_seed(args.seed)
    variant = registry.get("stargan")
    config = config_flags.config(parser, args.set, variant.config_class, seed=args.seed)
    groups = derived.check_attribute_groups(config.attributes or derived.ATTRIBUTES)
    if groups:  # the mask vector: several datasets, each with its own attributes
        names = tuple(name for group in groups for name in group)
    else:
        names = derived.check_attribute_names(config.attributes or derived.ATTRIBUTES)
    k = len(names)
    load = dict(batch_size=config.batch_size * config.discriminator_steps, seed=args.seed,
                image_size=SIZE, attributes=config.attributes if groups else names)  # fmt: skip
    stream, info = datasets.load("mnist_attributes", start_step=0, with_info=True, **load)
    source = info.extras["source"]

    # Real training domains for the two classifiers: every digit with its drawn attributes.
    digits, labels, _ = derived.digit_images(source, "train", SIZE)
    train_attributes = derived.draw_attributes(len(digits), k, args.seed)
    train_images = scaled(derived.apply_attributes(digits, train_attributes, names))
    attribute_classifier, budget = classifier(
        k, keras.losses.BinaryCrossentropy(from_logits=True), args.classifier_seconds
    )
    attribute_classifier.fit(train_images, train_attributes, batch_size=64, epochs=3, verbose=0,
                             callbacks=[budget])  # fmt: skip
    digit_classifier, budget = classifier(
        10, keras.losses.SparseCategoricalCrossentropy(from_logits=True), args.classifier_seconds
    )
    digit_classifier.fit(train_images, labels, batch_size=64, epochs=3, verbose=0,
                         callbacks=[budget])  # fmt: skip

    # Held-out digits with random source attributes
    if source == "mnist":
        test_digits, test_labels, _ = derived.digit_images("mnist", "test", SIZE)
    else:  # sklearn's digits have one split: the last ones (also in training; the JSON says so)
        test_digits, test_labels = digits[-args.num_test :], labels[-args.num_test :]
    test_digits, test_labels = test_digits[: args.num_test], test_labels[: args.num_test]
    rng = np.random.default_rng([args.seed, 11])
    source_attributes = rng.integers(0, 2, (len(test_digits), k)).astype("float32")
    test_images = scaled(derived.apply_attributes(test_digits, source_attributes, names))

    def read_attributes(images):
        logits = attribute_classifier.predict(images, batch_size=256, verbose=0)
        return (logits > 0).astype("float32")

    model = variant.model_class.from_train_config(
        config, info.image_shape, attribute_names=names, attribute_groups=groups
    )
    model.compile(**model.default_optimizers())  # the paper's Adam, at a constant rate
    budget = TimeBudget(60 * args.minutes)
    start = time.time()
    model.fit(stream, epochs=1, steps_per_epoch=10**9, verbose=0, callbacks=[budget])
    seconds = time.time() - start

    if args.checkpoint:
        model.save(args.checkpoint)
    # (label given to G, label to go back with, the attributes the answer must show, its name)
    targets_list = []
    if groups:
        dataset_of = model.dataset_of_attribute()
        for g, group in enumerate(groups):
            columns = np.flatnonzero(dataset_of == g)
            back = model.joint_labels(source_attributes[:, columns], g)
            for combo in itertools.product((0, 1), repeat=len(group)):
                expected = source_attributes.copy()
                expected[:, columns] = combo
                label = model.joint_labels(np.array([combo], "float32"), g)
                caption = f"{g}:" + "".join(map(str, combo))
                targets_list.append((np.repeat(label, len(expected), 0), back, expected, caption))
    else:
        for domain in itertools.product((0, 1), repeat=k):
            expected = np.broadcast_to(np.array(domain, "float32"), source_attributes.shape)
            targets_list.append((expected, source_attributes, expected, "".join(map(str, domain))))
    rows = []
    per_domain, totals = [], {"exact": 0, "digit": 0, "attribute": np.zeros(k), "n": 0}
    # Digit kept, split by what the translation asks of each attribute: to change it, or to
    # keep the source's value (the whole target equal to the source is the identity).
    kept_digit = {"changed": np.zeros(k), "changed_n": np.zeros(k), "kept": np.zeros(k),
                  "kept_n": np.zeros(k), "identity": 0, "identity_n": 0}  # fmt: skip
    target_l1 = identity_l1 = reconstruction = 0.0
    for label, back_label, targets, caption in targets_list:
        translated = model.translate(test_images, label)
        back = model.translate(translated, back_label)
        truth = scaled(derived.apply_attributes(test_digits, targets, names))
        read = read_attributes(translated)
        exact = float(np.mean(np.all(read == targets, axis=1)))
        digit_right = correct(digit_classifier, translated, test_labels)
        digit = float(np.mean(digit_right))
        changes = targets != source_attributes  # (n, k): which attributes this target changes
        kept_digit["changed"] += (digit_right[:, None] & changes).sum(0)
        kept_digit["changed_n"] += changes.sum(0)
        kept_digit["kept"] += (digit_right[:, None] & ~changes).sum(0)
        kept_digit["kept_n"] += (~changes).sum(0)
        identity = ~changes.any(axis=1)
        kept_digit["identity"] += int((digit_right & identity).sum())
        kept_digit["identity_n"] += int(identity.sum())
        n = len(test_images)
        totals["exact"] += exact * n
        totals["digit"] += digit * n
        totals["attribute"] += np.mean(read == targets, axis=0) * n
        totals["n"] += n
        target_l1 += float(np.mean(np.abs(translated - truth))) * n
        identity_l1 += float(np.mean(np.abs(test_images - truth))) * n
        reconstruction += float(np.mean(np.abs(back - test_images))) * n
        rows.append((translated[:8], truth[:8]))
        per_domain.append({
            "target": caption, "target_label": label[0].astype(int).tolist(),
            "attribute_accuracy": exact, "digit_accuracy": digit,
            "target_l1": float(np.mean(np.abs(translated - truth))),
        })  # fmt: skip
    n = totals["n"]
    real_read = read_attributes(test_images)
    result = {
        "benchmark": "quality_stargan",
        "backend": keras.backend.backend(),
        "data_source": source,
        "held_out": source == "mnist",
        "config": {**config.to_dict(), "learning_rate_schedule": "constant"},
        "attributes": list(names),
        "attribute_groups": [list(g) for g in groups] if groups else None,
        "minutes": args.minutes,
        "steps": budget.steps,
        "train_seconds": round(seconds, 1),
        "images_seen": budget.steps * load["batch_size"],
        "num_test": len(test_images),
        "translations": n,
        "attribute_accuracy": totals["exact"] / n,
        "attribute_accuracy_each": dict(zip(names, (totals["attribute"] / n).tolist())),
        "digit_accuracy": totals["digit"] / n,
        # per attribute: digit kept where the target changes it / keeps the source's value
        "digit_accuracy_by_attribute": {
            name: {
                "changed": float(kept_digit["changed"][i] / max(kept_digit["changed_n"][i], 1)),
                "kept": float(kept_digit["kept"][i] / max(kept_digit["kept_n"][i], 1)),
            }
            for i, name in enumerate(names)
        },
        "digit_accuracy_identity": kept_digit["identity"] / max(kept_digit["identity_n"], 1),
        "reconstruction_l1": reconstruction / n,
        "target_l1": target_l1 / n,
        "identity_target_l1": identity_l1 / n,
        "real_test_attribute_accuracy": float(
            np.mean(np.all(real_read == source_attributes, axis=1))
        ),
        "real_test_digit_accuracy": accuracy(digit_classifier, test_images, test_labels),
        "classifier_seconds": args.classifier_seconds,
        "per_domain": per_domain,
        "goals": {"attribute_accuracy": 0.9, "digit_accuracy": 0.9},
    }
    if args.figure:
        save_figure(args.figure, test_images[:8], rows, [t[3] for t in targets_list], names)
        result["figure"] = args.figure
    text = json.dumps(result, indent=1)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
