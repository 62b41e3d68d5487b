"""StarGAN (Choi et al. 2018): the label-tiled generator, the two-headed discriminator, the
WGAN-GP + domain classification + reconstruction losses by hand, n_critic minibatches with
permuted target labels, save/load, bad inputs, cross-backend parity."""

import dataclasses
import json
import warnings

import keras
import numpy as np
import pytest
from keras import layers

from keras_gan import datasets, registry, testing
from keras_gan.models import StarGAN
from keras_gan.models.stargan import domain_classification_loss
from keras_gan.networks.stargan import (
    TiledLabel,
    default_discriminator_layers,
    stargan_discriminator,
    stargan_generator,
)
from keras_gan.schedules import LinearDecay


def small_stargan(**kwargs):
    kwargs = {
        "image_shape": (16, 16, 1), "num_attributes": 3, "base_filters": 4, "num_blocks": 1,
        "discriminator_filters": 4, "discriminator_steps": 2, "seed": 1, **kwargs,
    }  # fmt: skip
    return StarGAN(**kwargs)


def batch(num=4, seed=0, distinct=True):
    images = testing.random_images((16, 16, 1), num, seed=seed)
    rows = np.array([[0, 0, 1], [1, 0, 0], [1, 1, 0], [0, 1, 1]], "float32")
    attributes = np.resize(rows if distinct else rows[:1], (num, 3)).astype("float32")
    return images, attributes


def numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def bce_terms(logits, labels):
    # -y log s(t) - (1 - y) log(1 - s(t)) for each attribute
    p = 1 / (1 + np.exp(-logits.astype("float64")))
    return -labels * np.log(p) - (1 - labels) * np.log(1 - p)


def bce(logits, labels):
    # summed over attributes, mean over the batch
    return np.mean(np.sum(bce_terms(logits, labels), axis=-1))


def test_architecture_follows_the_authors_code():
    assert default_discriminator_layers(128) == 6 and default_discriminator_layers(28) == 3
    g = stargan_generator((16, 16, 1), num_attributes=3, base_filters=4, num_blocks=2)
    assert g.output_shape == (None, 16, 16, 1)
    convs = [l for l in g.layers if isinstance(l, layers.Conv2D)]
    assert convs and not any(l.use_bias for l in convs)  # bias=False everywhere in G
    # The image and its 3 label channels: c7s1 sees 1 + 3 input channels
    assert g.get_layer("c7").kernel.shape == (7, 7, 4, 4)
    norms = [l for l in g.layers if isinstance(l, layers.GroupNormalization)]
    # instance norm with a learned scale and shift (InstanceNorm2d(affine=True))
    assert len(norms) == 1 + 2 + 2 * 2 + 2
    assert all(l.groups == l.input.shape[-1] and l.center and l.scale for l in norms)
    assert sum(isinstance(l, layers.Add) for l in g.layers) == 2
    d = stargan_discriminator((16, 16, 1), num_attributes=3, base_filters=4)
    # 16 -> 8 -> 4 -> 2: three stride-2 layers, 4, 8, 16 filters
    assert d.output_shape == [(None, 2, 2, 1), (None, 3)]
    assert [l.filters for l in d.layers if isinstance(l, layers.Conv2D)][:3] == [4, 8, 16]
    assert d.get_layer("attribute_logits").kernel.shape == (2, 2, 16, 3)
    assert not any(
        isinstance(l, (layers.BatchNormalization, layers.GroupNormalization)) for l in d.layers
    )


def test_the_label_is_tiled_over_the_image():
    images = testing.random_images((3, 5, 2), 2, seed=4)
    labels = np.array([[1, 0, 1], [0, 1, 0]], "float32")
    out = numpy(TiledLabel()(images, labels))
    assert out.shape == (2, 3, 5, 5)
    np.testing.assert_array_equal(out[..., :2], images)
    np.testing.assert_array_equal(
        out[..., 2:], np.broadcast_to(labels[:, None, None], (2, 3, 5, 3))
    )


def test_domain_classification_loss_matches_a_hand_computation():
    logits = np.array([[2.0, -1.0, 0.5], [-3.0, 0.0, 4.0]], "float32")
    labels = np.array([[1, 0, 0], [0, 1, 1]], "float32")
    # sum over attributes, mean over the batch (the authors' sum / batch size)
    np.testing.assert_allclose(
        numpy(domain_classification_loss(logits, labels)), bce(logits, labels), rtol=1e-6
    )
    # by hand for one entry: -log sigmoid(2) = log(1 + e^-2)
    np.testing.assert_allclose(
        numpy(domain_classification_loss(logits[:1, :1], labels[:1, :1])),
        np.log1p(np.exp(-2.0)), rtol=1e-6,
    )  # fmt: skip


def joint_batch(num=8, seed=0):
    # Two datasets: the first labels attributes 0 and 1, the second attribute 2 (mask vector).
    images = testing.random_images((16, 16, 1), num, seed=seed)
    rows = np.array(
        [[1, 0, 0, 1, 0], [0, 0, 1, 0, 1], [1, 1, 0, 1, 0], [0, 0, 0, 0, 1], [0, 1, 0, 1, 0]],
        "float32",
    )
    return images, np.resize(rows, (num, 5)).astype("float32")


def test_domain_classification_loss_counts_only_known_attributes():
    logits = np.array([[2.0, -1.0, 0.5], [-3.0, 0.0, 4.0]], "float32")
    labels = np.array([[1, 0, 0], [0, 0, 1]], "float32")
    known = np.array([[1, 1, 0], [0, 0, 1]], "float32")
    # example 1: -log s(2) - log(1 - s(-1)); example 2: -log s(4); mean over the batch of 2
    expected = (np.log1p(np.exp(-2.0)) + np.log1p(np.exp(-1.0)) + np.log1p(np.exp(-4.0))) / 2
    np.testing.assert_allclose(
        numpy(domain_classification_loss(logits, labels, known)), expected, rtol=1e-6
    )


def test_targets_stay_within_each_examples_dataset():
    model = small_stargan(label_groups=(2, 1))
    _, labels = joint_batch(64)
    target = numpy(model.target_attributes(labels))
    np.testing.assert_array_equal(target[:, 3:], labels[:, 3:])  # the same dataset, row by row
    for dataset in (0, 1):
        rows = labels[:, 3 + dataset] == 1
        mine, theirs = target[rows], labels[rows]
        np.testing.assert_array_equal(mine[np.lexsort(mine.T)], theirs[np.lexsort(theirs.T)])
    assert not np.array_equal(target, labels)


def test_mask_vector_joint_labels_and_the_critics_loss_by_hand():
    model = small_stargan(label_groups=(2, 1), discriminator_steps=1)
    assert model.label_width == 5 and model.generator.input_shape[1] == (None, 5)
    assert model.discriminator.output_shape[1] == (None, 3)  # a logit per attribute of both
    np.testing.assert_array_equal(model.joint_labels([[1, 1]], dataset=0), [[1, 1, 0, 1, 0]])
    np.testing.assert_array_equal(model.joint_labels([1], dataset=1), [[0, 0, 1, 0, 1]])
    model.compile()
    images, labels = joint_batch(4)
    logs = testing.step_logs(model, (images, labels), steps=1)[0]
    # D_cls on real images counts the attributes of each image's own dataset only
    logits = small_stargan(label_groups=(2, 1), discriminator_steps=1).discriminator(images)[1]
    known = np.where(labels[:, 3:4] == 1, [[1, 1, 0]], [[0, 0, 1]])
    per_attribute = bce_terms(numpy(logits), labels[:, :3]) * known
    np.testing.assert_allclose(
        logs["d_classification_loss"], per_attribute.sum(-1).mean(), rtol=2e-4
    )
    restored = StarGAN.from_config(model.get_config())
    assert restored.label_groups == (2, 1) and restored.label_width == 5


def test_mask_vector_generators_classification_loss_by_hand():
    # G is classified on its translations under the *target's* mask: only the attributes of the
    # dataset it was asked to translate into count.
    settings = dict(label_groups=(2, 1), discriminator_steps=1)
    model = small_stargan(**settings)
    model.compile()
    images, labels = joint_batch(4)
    target = numpy(small_stargan(**settings).target_attributes(labels))  # the same stream
    generator = small_stargan(**settings).generator  # G before its update
    logs = testing.step_logs(model, (images, labels), steps=1)[0]
    # D after its update (G's update leaves it unchanged) reads G's translations
    logits = numpy(model.discriminator(numpy(generator([images, target])))[1])
    known = np.where(target[:, 3:4] == 1, [[1, 1, 0]], [[0, 0, 1]])
    terms = bce_terms(logits, target[:, :3])
    np.testing.assert_allclose(
        logs["g_classification_loss"], (terms * known).sum(-1).mean(), rtol=2e-4
    )
    assert abs(logs["g_classification_loss"] - terms.sum(-1).mean()) > 1e-2  # the mask counts


def test_mask_vector_sample_grid_translates_across_datasets():
    model = small_stargan(label_groups=(2, 1))
    images, labels = joint_batch(2)
    targets = model.sample_inputs(8, batch=(images, labels))["attributes"]
    expected = [
        [1, 0, 0, 1, 0],  # dataset 0's own row,
        [0, 0, 0, 1, 0],  # its attributes flipped,
        [1, 1, 0, 1, 0],
        [0, 0, 1, 0, 1],  # and dataset 1's attribute alone, under dataset 1's mask
        [0, 0, 1, 0, 1],  # dataset 1's own row,
        [1, 0, 0, 1, 0],  # dataset 0's attributes alone,
        [0, 1, 0, 1, 0],
        [0, 0, 0, 0, 1],  # its own flipped
    ]
    np.testing.assert_array_equal(targets, expected)
    assert model.translate(images[:1], targets[3]).shape == (1, 16, 16, 1)
    # one joint row, (1, 5), for every image
    np.testing.assert_array_equal(
        model.translate(images, model.joint_labels([1], dataset=1)),
        model.translate(images, [[0, 0, 1, 0, 1], [0, 0, 1, 0, 1]]),
    )


def test_mask_vector_bad_input_raises():
    model = small_stargan(label_groups=(2, 1))
    model.compile()
    images, labels = joint_batch(8)
    with pytest.raises(ValueError, match=r"3 attributes of 2 datasets.*shape \(n, 5\)"):
        model.translate(images, [1, 0, 0])
    with pytest.raises(ValueError, match="exactly one 1"):
        model.translate(images, [1, 0, 0, 1, 1])
    with pytest.raises(ValueError, match="exactly one 1"):
        model.translate(images, [1, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="other datasets' attributes must be 0"):
        model.translate(images, [1, 0, 1, 1, 0])
    with pytest.raises(ValueError, match="other datasets' attributes must be 0"):
        model.fit((images, np.resize([[0, 1, 1, 0, 1]], (8, 5))), batch_size=8, verbose=0)
    with pytest.raises(ValueError, match=r"rows of 2"):
        model.joint_labels([1, 0, 1], dataset=0)
    with pytest.raises(ValueError, match=r"in \[0, 2\)"):
        model.joint_labels([1], dataset=2)
    with pytest.raises(ValueError, match="one dataset"):
        small_stargan().joint_labels([1, 0, 1], dataset=0)
    for wrong in ((3,), (2, 2), (2, 1.0), (0, 3), 3):
        with pytest.raises(ValueError, match="`label_groups` must be two or more ints"):
            small_stargan(label_groups=wrong)


def test_targets_are_the_batchs_own_labels_permuted():
    model = small_stargan()
    _, attributes = batch(64)
    target = numpy(model.target_attributes(attributes))
    order = np.lexsort(target.T)
    np.testing.assert_array_equal(target[order], attributes[np.lexsort(attributes.T)])
    assert not np.array_equal(target, attributes)


def test_first_step_logs_are_the_papers_losses_by_hand():
    # Two critic updates on minibatches of 4, then the generator on the second minibatch.
    model = small_stargan()
    model.compile()
    images, attributes = batch(8)
    twin = small_stargan()  # the same seed: the same random stream
    twin.target_attributes(attributes[:4])  # the first minibatch's targets
    keras.random.uniform((4,), seed=twin.seed_generator)  # its epsilon
    target = numpy(twin.target_attributes(attributes[4:]))  # the second minibatch's targets
    generator = small_stargan().generator  # G before its update (the same initial weights)
    real, original = images[4:], attributes[4:]
    d = model.discriminator
    logs = testing.step_logs(model, (images, attributes), steps=1)[0]
    # G's losses read the discriminator after its two updates and G before its update
    fake = numpy(generator([real, target]))
    scores, logits = (numpy(t) for t in d(fake))
    adversarial = -scores.mean()
    classification = bce(logits, target)
    reconstruction = np.mean(np.abs(real - numpy(generator([fake, original]))))
    expected = {
        "g_adversarial_loss": adversarial, "g_classification_loss": classification,
        "reconstruction_loss": reconstruction,
        "g_loss": adversarial + classification + 10 * reconstruction,
    }  # fmt: skip
    for name, value in expected.items():
        np.testing.assert_allclose(logs[name], value, rtol=2e-4, atol=1e-6, err_msg=name)
    assert logs["gradient_penalty"] > 0
    np.testing.assert_allclose(
        logs["d_loss"],
        -logs["wasserstein"] + 10 * logs["gradient_penalty"] + logs["d_classification_loss"],
        rtol=1e-5,
    )
    assert int(numpy(model.d_optimizer.iterations)) == 2
    assert int(numpy(model.g_optimizer.iterations)) == 1


def test_optional_identity_loss_by_hand(tmp_path):
    # Not in the paper (identity_weight=0 there): ||x - G(x, c')||_1 weighted into G's loss.
    model = small_stargan(identity_weight=2.0)
    model.compile()
    images, attributes = batch(8)
    twin = small_stargan()
    twin.target_attributes(attributes[:4])
    keras.random.uniform((4,), seed=twin.seed_generator)
    target = numpy(twin.target_attributes(attributes[4:]))
    generator = small_stargan().generator  # G before its update
    real, original = images[4:], attributes[4:]
    logs = testing.step_logs(model, (images, attributes), steps=1)[0]
    identity = np.mean(np.abs(real - numpy(generator([real, original]))))
    np.testing.assert_allclose(logs["identity_loss"], identity, rtol=2e-4, atol=1e-6)
    fake = numpy(generator([real, target]))
    scores, logits = (numpy(t) for t in model.discriminator(fake))
    reconstruction = np.mean(np.abs(real - numpy(generator([fake, original]))))
    expected = -scores.mean() + bce(logits, target) + 10 * reconstruction + 2 * identity
    np.testing.assert_allclose(logs["g_loss"], expected, rtol=2e-4, atol=1e-6)
    # the paper's StarGAN has no such term: logged as 0, not added
    plain = small_stargan()
    plain.compile()
    assert testing.step_logs(plain, (images, attributes), steps=1)[0]["identity_loss"] == 0
    # the weight is saved with the model; a negative one is refused, naming the value
    model.save(tmp_path / "stargan.keras")
    assert keras.saving.load_model(tmp_path / "stargan.keras").identity_weight == 2.0
    with pytest.raises(ValueError, match="identity_weight.*-1"):
        small_stargan(identity_weight=-1.0)


def test_the_critics_first_losses_by_hand():
    # One critic update: its logs are computed with the initial weights.
    model = small_stargan(discriminator_steps=1)
    model.compile()
    images, attributes = batch(4)
    twin = small_stargan(discriminator_steps=1)
    target = numpy(twin.target_attributes(attributes))
    fake = numpy(model.generator([images, target]))
    real_scores, real_logits = (numpy(t) for t in model.discriminator(images))
    fake_scores = numpy(model.discriminator(fake)[0])
    logs = testing.step_logs(model, (images, attributes), steps=1)[0]
    np.testing.assert_allclose(
        logs["wasserstein"], real_scores.mean() - fake_scores.mean(), rtol=2e-4, atol=1e-6
    )
    np.testing.assert_allclose(
        logs["d_classification_loss"], bce(real_logits, attributes), rtol=2e-4
    )


def test_training_lowers_the_classification_loss_of_real_images():
    # Images that show their attributes: each attribute adds or subtracts its own pattern.
    rng = np.random.default_rng(0)
    _, attributes = batch(32)
    patterns = rng.normal(size=(3, 16, 16, 1))
    images = np.tanh(0.5 * np.einsum("nk,khwc->nhwc", 2 * attributes - 1, patterns))
    images = (images + 0.1 * rng.normal(size=images.shape)).clip(-1, 1).astype("float32")
    model = small_stargan(discriminator_steps=1, seed=2)
    model.compile(
        d_optimizer=keras.optimizers.Adam(3e-3, 0.5, 0.999),
        g_optimizer=keras.optimizers.Adam(1e-4, 0.5, 0.999),
    )
    logs = testing.step_logs(model, (images, attributes), steps=40)
    first = np.mean([step["d_classification_loss"] for step in logs[:3]])
    last = np.mean([step["d_classification_loss"] for step in logs[-3:]])
    assert last < 0.5 * first, (first, last)


def test_fit_updates_both_networks_saves_and_reloads(tmp_path):
    model = small_stargan()
    model.compile()
    images, attributes = batch(16)
    history = testing.check_fit(model, (images, attributes), steps=2, batch_size=8)
    assert set(history.history) == set(StarGAN.log_names)
    assert int(numpy(model.d_optimizer.iterations)) == 4  # 2 critic updates per step
    restored = testing.check_save_load(model, tmp_path, [images[:2], attributes[:2]])
    assert restored.discriminator_steps == 2 and restored.num_attributes == 3
    np.testing.assert_allclose(
        restored.translate(images[:3], [1, 0, 1]), model.translate(images[:3], [1, 0, 1]),
        atol=1e-5,
    )  # fmt: skip
    np.testing.assert_array_equal(model.generate(images[:2], attributes[:2]),
                                  model.translate(images[:2], attributes[:2]))  # fmt: skip


def test_sample_inputs_translate_each_image_to_its_own_and_each_flipped_attribute():
    model = small_stargan()
    images, attributes = batch(8)
    inputs = model.sample_inputs(16, batch=(images, attributes))
    assert inputs["images"].shape == (16, 16, 16, 1)  # 4 images x (1 + 3 attributes)
    np.testing.assert_array_equal(inputs["attributes"][0], attributes[0])
    np.testing.assert_array_equal(
        inputs["attributes"][1], [1 - attributes[0][0], *attributes[0][1:]]
    )
    np.testing.assert_array_equal(
        inputs["attributes"][3], [*attributes[0][:2], 1 - attributes[0][2]]
    )
    np.testing.assert_array_equal(inputs["images"][4], images[1])
    assert model.generate(**inputs).shape == (16, 16, 16, 1)


def test_named_hair_colours_are_one_hot_in_the_sample_grid_and_the_names_reload():
    # The authors' create_labels: a hair colour is set (the others cleared), the rest flipped.
    model = small_stargan(attribute_names=("Black_Hair", "Blond_Hair", "Male"))
    images, _ = batch(2)
    rows = np.array([[1, 0, 1], [0, 0, 0]], "float32")
    targets = model.sample_inputs(8, batch=(images, rows))["attributes"]
    expected = [
        [1, 0, 1],
        [1, 0, 1],
        [0, 1, 1],
        [1, 0, 0],  # black-haired male: own, black,
        [0, 0, 0],
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
    ]  # blond, female; then no colour
    np.testing.assert_array_equal(targets, expected)  # fmt: skip
    config = model.get_config()
    assert config["attribute_names"] == ["Black_Hair", "Blond_Hair", "Male"]
    assert StarGAN.from_config(config).attribute_names == ("Black_Hair", "Blond_Hair", "Male")
    assert small_stargan().get_config()["attribute_names"] is None
    for wrong in (("a", "b"), ("a", "a", "b"), ("a", 2, "b"), 3):
        with pytest.raises(ValueError, match="`attribute_names` must be 3 distinct names"):
            small_stargan(attribute_names=wrong)


def test_bad_input_raises():
    model = small_stargan()
    model.compile()
    images, attributes = batch(8)
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        model.translate(images, [1, 0])
    with pytest.raises(ValueError, match="0 or 1"):
        model.translate(images, [1, 0, 2])
    with pytest.raises(ValueError, match="0 or 1"):
        model.fit((images, attributes * 0.5), batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        model.fit((images, attributes[:, :2]), batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="one row of attributes per image"):
        model.fit((images, attributes[:4]), batch_size=4, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        model.fit((images * 3, attributes), batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="multiple of 2"):
        model.fit((images[:6], attributes[:6]), batch_size=3, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="translates images of shape"):
        model.translate(testing.random_images((8, 8, 1), 2), [1, 0, 1])
    with pytest.raises(ValueError, match="translate"):
        model.generate(4)
    with pytest.raises(ValueError, match="multiple of 4"):
        stargan_generator((18, 18, 1), 3)
    with pytest.raises(ValueError, match="num_attributes"):
        small_stargan(num_attributes=0)
    with pytest.raises(ValueError, match="num_layers"):
        stargan_discriminator((16, 16, 1), 3, num_layers=9)


def test_first_steps_agree_across_backends(parity_dir):
    with testing.portable_random():
        model = small_stargan(seed=3)
        model.compile()
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, batch(8), steps=3)
    testing.check_parity("stargan", logs, parity_dir)


def test_mask_vector_first_steps_agree_across_backends(parity_dir):
    # Two datasets: the within-dataset permutation (two argsorts) and the masked losses.
    with testing.portable_random():
        model = small_stargan(seed=3, label_groups=(2, 1))
        model.compile()
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, joint_batch(8), steps=3)
    testing.check_parity("stargan_mask_vector", logs, parity_dir)


def test_registered_with_papers_settings():
    variant = registry.get("stargan")
    assert variant.model_class is StarGAN and variant.data_kind == "attributed"
    paper = variant.config_class().with_paper_settings()
    assert (paper.dataset, paper.image_size, paper.base_filters) == ("celeb_a", 128, 64)
    assert paper.batch_size == 16 and paper.attributes is None
    assert (paper.epochs, paper.constant_epochs, paper.decay_epochs) == (20, 10, 10)
    config = variant.config_class(
        base_filters=4, discriminator_filters=4, resnet_blocks=1, image_size=16, epochs=4,
        steps_per_epoch=3, discriminator_steps=2,
    )  # fmt: skip
    model = StarGAN.from_train_config(config, (16, 16, 1), attribute_names=("a", "b"))
    assert model.num_attributes == 2
    d_schedule, g_schedule = model.d_optimizer._learning_rate, model.g_optimizer._learning_rate
    assert isinstance(d_schedule, LinearDecay) and isinstance(g_schedule, LinearDecay)
    # the critic steps twice per step: its schedule counts twice the steps
    assert (d_schedule.steps_per_epoch, g_schedule.steps_per_epoch) == (6, 3)
    assert (g_schedule.constant_epochs, g_schedule.decay_epochs) == (2, 2)
    assert (float(model.g_optimizer.beta_1), float(model.g_optimizer.beta_2)) == (0.5, 0.999)
    # Without steps_per_epoch, an epoch is a pass over the dataset in batches of 2 x 4 images
    config = dataclasses.replace(config, steps_per_epoch=None, batch_size=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's digits stand in for MNIST without the files
        passes = datasets.info("mnist_attributes", batch_size=8, image_size=16).steps_per_epoch
        model = StarGAN.from_train_config(config, (16, 16, 1), attribute_names=("a", "b", "c"))
    assert model.g_optimizer._learning_rate.steps_per_epoch == passes
    assert model.d_optimizer._learning_rate.steps_per_epoch == 2 * passes
    with pytest.raises(ValueError, match="mnist_attributes"):
        variant.check_dataset(variant.config_class(dataset="mnist"))
    # --attributes reaches the dataset (and only the attributed sets take it)
    chosen = variant.config_class(attributes="negative,thick")
    assert variant.dataset_kwargs(chosen)["attributes"] == "negative,thick"
    assert "attributes" not in variant.dataset_kwargs(variant.config_class())  # all three
    other = variant.config_class(dataset="my_folder", attributes="negative")
    assert "attributes" not in variant.dataset_kwargs(other)
    # celeb_a: the paper's five attributes and the authors' 178x178 crop, unless told otherwise
    celeb_a = variant.dataset_kwargs(paper)
    assert celeb_a["attributes"] == ("Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young")
    assert celeb_a["center_crop"] == 178 and celeb_a["image_size"] == 128
    smiling = variant.config_class(dataset="celeba", attributes="Smiling,Male")
    assert variant.dataset_kwargs(smiling)["attributes"] == "Smiling,Male"
    variant.check_dataset(paper)  # celeb_a with attributes is of the right kind


def test_trains_on_celeb_as_attributes_from_the_command_line(mock_celeb_a, tmp_path):
    # tfds' mock CelebA (random faces, real features) through the real run: 5 RGB domains.
    import keras_gan

    run = keras_gan.Run(
        "stargan", output=str(tmp_path / "run"), dataset="celeb_a", image_size=8, batch_size=2,
        base_filters=2, discriminator_filters=2, resnet_blocks=1, discriminator_steps=2,
    )  # fmt: skip
    assert run.train(steps=2, verbose=0).step == 2
    model = run.model
    assert model.num_attributes == 5 and model.generator.output_shape == (None, 8, 8, 3)
    assert model.attribute_names == datasets.STARGAN_CELEBA_ATTRIBUTES
    with open(tmp_path / "run" / "config.json") as file:
        record = json.load(file)
    names = ["Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young"]
    assert record["dataset"]["attribute_names"] == names


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--attributes", "Blond_hair"], "(did you mean 'Blond_Hair'?)"),
        (["--attributes", "thick"], "'celeb_a' has no attribute 'thick'"),
        ([], "has no 'celeb-a' folder for dataset 'celeb_a'"),
        ([], "--dataset mnist_attributes.)"),  # an offline set StarGAN can train on
        (["--attributes", "Male+Young"], "built from mnist_attributes only"),
    ],
)
def test_celeb_a_refusals_are_one_line_and_write_nothing(
    argv, message, tmp_path, capsys, monkeypatch
):
    from tests.test_train import assert_refused

    (tmp_path / "raw").mkdir()
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(tmp_path / "raw"))  # no celeb-a/ in it
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    assert_refused(["stargan", "--dataset", "celeb_a", *argv], message, tmp_path, capsys)
    assert not (tmp_path / "tfds").exists()


@pytest.mark.spread_over_backends(
    reason="the resume machinery is checked on every backend (tests/test_train.py, "
    "tests/test_run.py); StarGAN's target labels resume through it, each dataset layout once"
)
@pytest.mark.parametrize(
    "attributes, groups", [("thick,negative", None), ("thick+negative", [["thick"], ["negative"]])]
)
def test_a_run_resumed_mid_epoch_equals_the_straight_run(attributes, groups, tmp_path):
    # The attributed stream, both optimizers' decaying rates and the random targets continue;
    # on one dataset, and on two with different labels (the mask vector, from the command
    # line's groups).
    import keras_gan
    from tests.test_train import assert_same_run

    straight, pieces = str(tmp_path / "straight"), str(tmp_path / "pieces")
    settings = dict(dataset="mnist_attributes", attributes=attributes, image_size=8,
                    batch_size=4, base_filters=2, discriminator_filters=2, resnet_blocks=1,
                    discriminator_steps=2, steps_per_epoch=3, epochs=2)  # fmt: skip
    assert keras_gan.Run("stargan", output=straight, **settings).train(steps=5, verbose=0).done
    run = keras_gan.Run("stargan", output=pieces, **settings)
    assert run.train(steps=2, verbose=0).step == 2  # mid-epoch
    assert keras_gan.Run.resume(pieces).train(steps=5, verbose=0).step == 5
    assert_same_run(straight, pieces)
    model = keras_gan.checkpoints.load(keras_gan.checkpoints.latest(pieces))
    assert model.num_attributes == 2
    assert model.label_groups == (None if groups is None else (1, 1))
    with open(tmp_path / "pieces" / "config.json") as file:
        record = json.load(file)
    assert record["dataset"].get("attribute_groups") == groups
