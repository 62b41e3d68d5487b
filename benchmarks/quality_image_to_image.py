"""Quality of pix2pix and CycleGAN on CPU-sized digit translation under a time budget. Prints JSON.

Data: MNIST digits resized to 32x32 (offline when `KERAS_GAN_DATA_DIR=/work/shared/data`; else
scikit-learn's digits, upsampled, and the JSON says so) and their Sobel outlines
(`keras_gan.datasets.derived.edge_maps`, the `mnist_edges` set): domain A = edge map, domain
B = digit. Held-out figures use the MNIST test split (the last 300 digits when only sklearn's are
available).

- pix2pix (edges -> digit, paired): held-out L1 between translation and the true digit, against
  an L1-only U-Net (the same network, trained on the L1 term alone for the same number of
  steps), and the share of translations a digit classifier assigns the source's label.
- CycleGAN (edges <-> digits, unpaired: the two sides of a batch are different digits):
  held-out cycle-reconstruction error |F(G(a)) - a| and |G(F(b)) - b|, and the share of
  translations G(a) (edges -> digit) a digit classifier gives the edge map's label (and of F(b)
  an edge-map classifier gives the digit's label).

The classifiers are small CNNs trained here on the training split (a few seconds each).

Usage::

    KERAS_GAN_DATA_DIR=/work/shared/data KERAS_BACKEND=jax \\
        python benchmarks/quality_image_to_image.py --minutes 4
    KERAS_BACKEND=torch python benchmarks/quality_image_to_image.py --minutes 2 --variants pix2pix
"""

import argparse
import json
import os
import sys
import time

import keras
import numpy as np

SIZE = 32


class TimeBudget(keras.callbacks.Callback):
    """Stops `fit` once `seconds` have passed (counting the first, compiling step); counts steps."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds, self.steps = seconds, 0

    def on_train_begin(self, logs=None):
        self.start = time.time()

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if time.time() - self.start > self.seconds:
            self.model.stop_training = True


def load_data(num_train, num_test):
    from keras_gan.datasets import derived

    images, labels, source = derived.digit_images("auto", "train", SIZE)
    if source == "mnist":
        test_images, test_labels, _ = derived.digit_images("mnist", "test", SIZE)
    else:  # sklearn digits have one split: hold out the last 300
        images, test_images = images[:-300], images[-300:]
        labels, test_labels = labels[:-300], labels[-300:]

    def scaled(uint8):
        return uint8[..., None].astype("float32") / 127.5 - 1.0

    train = dict(
        digits=scaled(images[:num_train]), edges=scaled(derived.edge_maps(images[:num_train])),
        labels=labels[:num_train],
    )  # fmt: skip
    test = dict(
        digits=scaled(test_images[:num_test]), edges=scaled(derived.edge_maps(test_images[:num_test])),
        labels=test_labels[:num_test],
    )  # fmt: skip
    return train, test, source


def train_classifier(images, labels, seconds=20):
    model = keras.Sequential([
        keras.Input((SIZE, SIZE, 1)),
        keras.layers.Conv2D(16, 3, strides=2, activation="relu"),
        keras.layers.Conv2D(32, 3, strides=2, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(10),
    ])  # fmt: skip
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(images, labels, batch_size=64, epochs=3, verbose=0, callbacks=[TimeBudget(seconds)])
    return model


def correct(classifier, images, labels):
    """Per image: whether the classifier's most likely class is the label."""
    return np.argmax(classifier.predict(images, batch_size=256, verbose=0), -1) == labels


def accuracy(classifier, images, labels):
    return float(np.mean(correct(classifier, images, labels)))


def run_pix2pix(train, test, seconds, digit_classifier, batch_size):
    from keras_gan.models import Pix2Pix
    from keras_gan.networks.unet import unet_generator

    model = Pix2Pix(
        image_shape=(SIZE, SIZE, 1), base_filters=16, discriminator_filters=16,
        receptive_field=34, seed=0,
    )  # fmt: skip
    model.compile()
    budget = TimeBudget(seconds * 0.7)
    start = time.time()
    model.fit(
        (train["edges"], train["digits"]),
        batch_size=batch_size,
        epochs=1000,
        verbose=0,
        callbacks=[budget],
    )
    pix2pix_time = time.time() - start
    steps = budget.steps
    # L1-only: the same U-Net (same dropout, same test-time noise), the L1 term alone, same steps
    baseline = unet_generator((SIZE, SIZE, 1), 1, base_filters=16, seed=0)
    baseline.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), "mae")
    per_epoch = len(train["edges"]) // batch_size
    baseline.fit(
        train["edges"], train["digits"], batch_size=batch_size, verbose=0,
        epochs=-(-steps // per_epoch), steps_per_epoch=min(steps, per_epoch),
    )  # fmt: skip
    translated = model.translate(test["edges"])
    blurred = np.concatenate([
        keras.ops.convert_to_numpy(baseline(test["edges"][i : i + 256], training=False))
        for i in range(0, len(test["edges"]), 256)
    ])  # fmt: skip
    return {
        "steps": steps,
        "train_seconds": round(pix2pix_time, 1),
        "heldout_l1": float(np.mean(np.abs(translated - test["digits"]))),
        "l1_only_unet_heldout_l1": float(np.mean(np.abs(blurred - test["digits"]))),
        "classifier_accuracy": accuracy(digit_classifier, translated, test["labels"]),
        "l1_only_classifier_accuracy": accuracy(digit_classifier, blurred, test["labels"]),
    }


def run_cyclegan(train, test, seconds, digit_classifier, edge_classifier, batch_size):
    from keras_gan.models import CycleGAN

    model = CycleGAN(
        image_shape=(SIZE, SIZE, 1), base_filters=16, discriminator_filters=16,
        receptive_field=34, seed=0,
    )  # fmt: skip
    model.compile()
    # Unpaired: domain B is the digits in another order, so no batch holds matching pairs.
    order = np.random.default_rng(1).permutation(len(train["digits"]))
    budget = TimeBudget(seconds)
    start = time.time()
    model.fit(
        (train["edges"], train["digits"][order]),
        batch_size=batch_size,
        epochs=1000,
        verbose=0,
        callbacks=[budget],
    )
    elapsed = time.time() - start
    fake_b = model.translate(test["edges"], "a_to_b")
    fake_a = model.translate(test["digits"], "b_to_a")
    return {
        "steps": budget.steps,
        "train_seconds": round(elapsed, 1),
        "cycle_error_a": float(np.mean(np.abs(model.translate(fake_b, "b_to_a") - test["edges"]))),
        "cycle_error_b": float(np.mean(np.abs(model.translate(fake_a, "a_to_b") - test["digits"]))),
        "a_to_b_class_kept": accuracy(digit_classifier, fake_b, test["labels"]),
        "b_to_a_class_kept": accuracy(edge_classifier, fake_a, test["labels"]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--minutes",
        type=float,
        default=4.0,
        help="training budget per run, split between the variants",
    )
    parser.add_argument(
        "--variants", nargs="+", default=["pix2pix", "cyclegan"], choices=["pix2pix", "cyclegan"]
    )
    parser.add_argument("--num-train", type=int, default=6000)
    parser.add_argument("--num-test", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)
    train, test, source = load_data(args.num_train, args.num_test)
    digit_classifier = train_classifier(train["digits"], train["labels"])
    edge_classifier = train_classifier(train["edges"], train["labels"])
    result = {
        "backend": keras.backend.backend(),
        "data_source": source,
        "minutes": args.minutes,
        "image_size": SIZE,
        "batch_size": args.batch_size,
        "num_train": len(train["digits"]),
        "num_test": len(test["digits"]),
        "classifier_accuracy_real_digits": accuracy(
            digit_classifier, test["digits"], test["labels"]
        ),
        "classifier_accuracy_real_edges": accuracy(edge_classifier, test["edges"], test["labels"]),
    }
    seconds = 60 * args.minutes / len(args.variants)
    if "pix2pix" in args.variants:
        result["pix2pix"] = run_pix2pix(train, test, seconds, digit_classifier, args.batch_size)
    if "cyclegan" in args.variants:
        result["cyclegan"] = run_cyclegan(
            train, test, seconds, digit_classifier, edge_classifier, args.batch_size
        )
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
