"""Every registered variant trains from the command line with its own defaults.

`python -m keras_gan.train VARIANT` for 2 steps each, on the offline MNIST files when
`KERAS_GAN_DATA_DIR` names them (as CI does), else on data that needs nothing. A dataset of the
wrong kind is a one-line refusal, exit status 2, before anything is loaded or written.
"""

import json
import math

import keras
import numpy as np
import pytest

from keras_gan import checkpoints, datasets, registry, train
from keras_gan.datasets import tfds_loader
from tests.test_train import assert_same_run

VARIANTS = registry.available()

# A variant's own flags, only where its default spends minutes on a pretraining phase before
# the first of the 2 steps: GAN-INT-CLS's text encoder (1,000 steps), SRGAN's MSE phase (200
# steps, which `--steps` does not count yet: see the xfail test below).
FASTER = {
    "gan_int_cls": ["--text-pretrain-steps", "2"],
    "srgan": ["--pretrain-steps", "0"],
}

# Datasets of the wrong kind for each data kind: built-in names, refused before loading.
WRONG = {
    "images": "mnist_edges",
    "labelled": "mnist_captions",
    "paired": "digits",
    "unpaired": "digits",
    "captioned": "digits",
    "attributed": "digits",
}


def status(argv):
    """`train.main(argv)`'s exit status, whether it returns it or raises SystemExit."""
    try:
        return train.main(argv)
    except SystemExit as error:
        return error.code


def fallback(variant):
    """Flags replacing a default dataset that needs MNIST when MNIST is not here, else []."""
    config = variant.config_class()
    if config.dataset not in datasets.TFDS_NAMES or tfds_loader.is_available(config.dataset):
        return []  # generated sets use scikit-learn's digits when MNIST is missing
    flags = ["--dataset", "digits"]
    if config.image_size is None:
        flags += ["--image-size", "28"]  # MNIST's size: every default network is built for it
    return flags


# The variants whose first steps compile for minutes on JAX (XLA, even unoptimised: U-GAT-IT
# 235 s, BigGAN and GAN-INT-CLS 141 s, CycleGAN 128 s in one JAX suite run on a busy machine;
# 30-54 s on TensorFlow or PyTorch on an idle one, docs/performance.md) run on those two; JAX
# takes small ones in their place.
PLACE = {
    "biggan": "tensorflow", "cyclegan": "torch", "gan_int_cls": "tensorflow",
    "ugatit": "torch", "pix2pix": "tensorflow", "wgan_gp": "torch", "lapgan": "torch",
    "stylegan": "torch", "dcgan": "jax", "gan": "jax", "lsgan": "jax", "wgan": "jax", "acgan": "jax",
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.spread_over_backends(
    reason="each variant from the command line once; the command line trains on every backend "
    "in tests/test_train.py and CI's headline commands, and each variant's step is checked on "
    "every backend in tests/models",
    place=PLACE,
)
@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_trains_from_the_command_line_with_its_defaults(name, tmp_path):
    variant = registry.get(name)
    out = tmp_path / name
    argv = [name, "--steps", "2", "--batch-size", "8", "--output", str(out), "--verbose", "0"]
    assert status(argv + FASTER.get(name, []) + fallback(variant)) == 0

    model = checkpoints.load(checkpoints.latest(out), variant=name)
    assert type(model) is variant.model_class
    assert checkpoints.step_of(model) == 2
    with open(out / "history.json") as file:
        steps = json.load(file)["steps"]
    assert steps["step"] == [1, 2]
    losses = {k: v for k, v in steps.items() if k != "step"}
    assert "g_loss" in losses and "d_loss" in losses
    assert all(len(v) == 2 and all(math.isfinite(x) for x in v) for v in losses.values()), losses


@pytest.mark.slow
@pytest.mark.one_backend(
    "torch", reason="the step accounting does not depend on the backend: checked once"
)
def test_srgan_pretraining_steps_count_in_steps(tmp_path):
    out = tmp_path / "srgan"
    argv = ["srgan", "--pretrain-steps", "2", "--batch-size", "8", "--output", str(out),
            "--verbose", "0", *fallback(registry.get("srgan"))]  # fmt: skip
    # stopped inside the pretraining, resumed there, then into the adversarial phase: --steps
    # means the same steps from scratch and on resume
    assert status([*argv, "--steps", "1"]) == 0
    model = checkpoints.load(checkpoints.latest(out))
    assert checkpoints.step_of(model) == 1 and model.pending_pretraining_steps() == 1
    assert status([*argv, "--steps", "3", "--resume"]) == 0
    model = checkpoints.load(checkpoints.latest(out))
    assert checkpoints.step_of(model) == 3 and model.pending_pretraining_steps() == 0
    assert int(keras.ops.convert_to_numpy(model.pretrained_steps)) == 2
    assert status([*argv, "--steps", "2", "--resume"]) == 2  # already past it: one line
    # and the run stopped inside its pretraining is the straight run, weights and losses
    straight = tmp_path / "straight"
    argv_straight = [a if a != str(out) else str(straight) for a in argv]
    assert status([*argv_straight, "--steps", "3"]) == 0
    assert_same_run(str(straight), str(out))


@pytest.mark.parametrize("name", VARIANTS)
def test_a_dataset_of_the_wrong_kind_is_one_line_and_writes_nothing(name, tmp_path, capsys):
    variant = registry.get(name)
    wrong = WRONG[variant.data_kind]
    out = tmp_path / "out"
    assert status([name, "--dataset", wrong, "--output", str(out), "--verbose", "0"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"{name} trains on" in lines[0] and f"dataset '{wrong}' yields" in lines[0]
    assert variant.dataset_hint() in lines[0]  # "Choose a dataset of that kind with --dataset: ..."
    assert not out.exists()


def test_the_kind_check_before_loading_agrees_with_the_loaded_batches():
    # Each generated set, loaded as each variant loads it, gives the batches the name predicts.
    seen = {}
    for name in VARIANTS:
        variant = registry.get(name)
        for dataset in (
            "digits", "ring", "mnist_edges", "mnist_colour", "mnist_captions", "mnist_attributes"
        ):  # fmt: skip
            config = variant.config_class(dataset=dataset, image_size=None)
            kwargs = variant.dataset_kwargs(config)
            key = (dataset, tuple(sorted(kwargs.items())))
            if key not in seen:
                source = {"source": "digits"} if dataset.startswith("mnist_") else {}
                try:
                    seen[key] = datasets.info(dataset, batch_size=8, **kwargs, **source).element
                except ValueError:
                    seen[key] = None  # e.g. with_labels=True on pairs: the loader's own refusal
            if seen[key] is not None:
                assert registry._built_in_element(dataset, kwargs) == seen[key], (name, dataset)


@pytest.mark.parametrize(
    "name, dataset, message",
    [
        ("pix2pix", "mnist_superres", "translates pixel-aligned images"),
        ("cyclegan", "mnist_superres", "translates pixel-aligned images"),
        ("pix2pix", "mnist_colour", None),
    ],
)
def test_pairs_a_translator_cannot_use_are_refused_once_loaded(name, dataset, message):
    variant = registry.get(name)
    config = variant.config_class(dataset=dataset)
    kwargs = {**variant.dataset_kwargs(config), "source": "digits"}
    info = datasets.info(dataset, batch_size=8, **kwargs)
    if message is None:
        variant.check_dataset(config, info)
        return
    with pytest.raises(ValueError, match=message) as error:
        variant.check_dataset(config, info)
    assert "\n" not in str(error.value) and "--dataset: mnist_edges" in str(error.value)


def test_a_folder_of_side_by_side_files_is_pairs_for_pix2pix_and_refused_by_cyclegan(tmp_path):
    from PIL import Image

    side_by_side = np.zeros((32, 64, 3), "uint8")
    side_by_side[:, :32] = 255  # A (left) white, B (right) black
    for i in range(4):
        Image.fromarray(side_by_side).save(tmp_path / f"{i}.png")
    pix2pix = registry.get("pix2pix")
    for direction, source_value in (("a_to_b", 1.0), ("b_to_a", -1.0)):
        config = pix2pix.config_class(dataset=str(tmp_path), direction=direction)
        kwargs = pix2pix.dataset_kwargs(config)
        pix2pix.check_dataset(config)
        ds, info = datasets.load(str(tmp_path), batch_size=2, with_info=True, **kwargs)
        pix2pix.check_dataset(config, info)  # aligned, 32x32x3 on both sides
        source, target = next(iter(ds))
        assert info.element == "paired" and source.shape == target.shape == (2, 32, 32, 3)
        np.testing.assert_allclose(source.numpy(), source_value)
        np.testing.assert_allclose(target.numpy(), -source_value)

    cyclegan = registry.get("cyclegan")
    config = cyclegan.config_class(dataset=str(tmp_path))  # one folder: images, not two domains
    info = datasets.info(str(tmp_path), batch_size=2, **cyclegan.dataset_kwargs(config))
    with pytest.raises(
        ValueError, match="cyclegan trains on two image domains, but dataset .* yields 'images'"
    ):
        cyclegan.check_dataset(config, info)
