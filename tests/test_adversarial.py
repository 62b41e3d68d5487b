"""The base model's contract: compile/fit checks, step counting, seeds, sampling."""

import dataclasses

import keras
import numpy as np
import pytest

from keras_gan import registry, testing
from keras_gan.adversarial import AdversarialBase, AdversarialModel, TranslationModel
from keras_gan.config import TrainConfig
from keras_gan.models import DCGAN, GAN

SHAPE = (16, 16, 1)


def tiny_dcgan(**kwargs):
    return DCGAN(image_shape=SHAPE, base_filters=4, latent_dim=8, seed=1, **kwargs)


def test_unknown_variant_names_the_nearest_and_the_available():
    with pytest.raises(
        ValueError, match=r"Unknown variant 'dcgam'\. Did you mean 'dcgan'\?.*Available: .*gan"
    ):
        registry.get("dcgam")


@pytest.mark.parametrize("latent_dim", [0, -3, 2.5])
def test_latent_dim_must_be_positive_integer(latent_dim):
    with pytest.raises(ValueError, match="latent_dim"):
        GAN(sample_shape=(2,), latent_dim=latent_dim)


def test_fit_before_compile():
    with pytest.raises(ValueError, match="must be compiled before training"):
        tiny_dcgan().fit(testing.random_images(SHAPE, 8), batch_size=8)


def test_compile_rejects_a_single_optimizer_argument():
    with pytest.raises(ValueError, match="Received: optimizer='adam'"):
        tiny_dcgan().compile(optimizer="adam")


def test_compile_needs_every_optimizer_or_none():
    with pytest.raises(ValueError, match="Missing: g_optimizer"):
        tiny_dcgan().compile(d_optimizer=keras.optimizers.Adam())


def test_compile_without_optimizers_uses_the_papers():
    model = tiny_dcgan()
    model.compile()
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.Adam)
        assert float(optimizer.learning_rate) == pytest.approx(2e-4)
        assert optimizer.beta_1 == 0.5


def test_same_optimizer_instance_twice_is_refused():
    adam = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="separate optimizer instance"):
        tiny_dcgan().compile(d_optimizer=adam, g_optimizer=adam)


@pytest.mark.parametrize(
    "images, message",
    [
        (
            testing.random_images((16, 16, 3), 8),
            r"shape \(16, 16, 1\).*\(16, 16, 3\).*grayscale vs RGB",
        ),
        (testing.random_images((28, 28, 1), 8), r"shape \(16, 16, 1\).*\(28, 28, 1\)"),
        (np.zeros((8, 16, 16, 1), "int32"), "floating point"),
        (testing.random_images(SHAPE, 8) * 127.5 + 127.5, r"\[-1, 1\].*Received values in \[0"),
    ],
)
def test_fit_rejects_bad_images(images, message):
    model = tiny_dcgan()
    model.compile()
    with pytest.raises(ValueError, match=message):
        model.fit(images, batch_size=8, verbose=0)


def test_batch_must_split_into_discriminator_steps():
    import tensorflow as tf

    model = tiny_dcgan(discriminator_steps=3)
    model.compile()
    data = tf.data.Dataset.from_tensor_slices(testing.random_images(SHAPE, 16)).batch(
        8, drop_remainder=True
    )
    with pytest.raises(ValueError, match="multiple of 3. Received: batch of 8"):
        model.fit(data, verbose=0)


def test_a_dataset_is_fitted_without_keras_shuffle_warning():
    import warnings

    import tensorflow as tf

    model = tiny_dcgan()
    model.compile()
    data = tf.data.Dataset.from_tensor_slices(testing.random_images(SHAPE, 16)).batch(8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(data, epochs=1, verbose=0)
    assert not [w for w in caught if "shuffle=True" in str(w.message)]
    # an explicit shuffle=True still reaches Keras, which warns
    with pytest.warns(UserWarning, match="shuffle=True"):
        model.fit(data, epochs=1, verbose=0, shuffle=True)


def test_discriminator_steps_count_separately():
    model = tiny_dcgan(discriminator_steps=2)
    model.compile()
    testing.check_fit(model, testing.random_images(SHAPE, 16), steps=2, batch_size=8)
    assert int(model.d_optimizer.iterations) == 4  # k updates per step
    assert int(model.g_optimizer.iterations) == 2


def test_same_seed_gives_the_same_training_twice():
    def train():
        keras.utils.set_random_seed(7)
        model = tiny_dcgan()
        model.compile()
        model.fit(
            testing.random_images(SHAPE, 16), batch_size=8, epochs=1, verbose=0, shuffle=False
        )
        return testing.snapshot(model.generator.weights)

    for a, b in zip(train(), train()):
        np.testing.assert_array_equal(a, b)


def test_seed_state_advances_during_fit():
    model = tiny_dcgan()
    model.compile()
    before = testing.snapshot([model.seed_generator.state])
    model.fit(testing.random_images(SHAPE, 16), batch_size=8, epochs=1, verbose=0)
    assert testing.changed(before, [model.seed_generator.state]) == 1


def test_generate_shapes_and_latent_checks():
    model = tiny_dcgan()
    assert model.generate(5).shape == (5, *SHAPE)
    latents = np.zeros((3, 8), "float32")
    images = model.generate(latents=latents, batch_size=2)
    assert images.shape == (3, *SHAPE) and np.all(np.abs(images) <= 1)
    np.testing.assert_allclose(model.generate(latents=latents), images, atol=1e-6)
    with pytest.raises(ValueError, match=r"shape \(n, 8\)"):
        model.generate(latents=np.zeros((3, 9)))
    with pytest.raises(ValueError, match="num_samples"):
        model.generate()


def test_calling_the_model_generates():
    model = tiny_dcgan()
    assert tuple(model(np.zeros((2, 8), "float32")).shape) == (2, *SHAPE)


def test_array_batch_must_split_into_discriminator_steps():
    model = tiny_dcgan(discriminator_steps=5)
    model.compile()
    with pytest.raises(ValueError, match="multiple of 5. Received: batch of 7"):
        model.fit(testing.random_images(SHAPE, 14), batch_size=7, verbose=0)
    with pytest.raises(ValueError, match="multiple of 5. Received: batch of 7"):
        model.train_on_batch(testing.random_images(SHAPE, 7))


def test_train_on_batch_takes_a_batch_drawn_from_tf_data_on_every_backend():
    import tensorflow as tf

    images = testing.random_images(SHAPE, 8)
    logs = []
    for batch in (images, next(iter(tf.data.Dataset.from_tensor_slices(images).batch(8)))):
        model = tiny_dcgan()
        model.compile()
        logs.append(model.train_on_batch(batch, return_dict=True))
    # the tf tensor trains exactly as the NumPy array does
    assert logs[0].keys() == logs[1].keys()
    for name in logs[0]:
        np.testing.assert_allclose(float(logs[1][name]), float(logs[0][name]), rtol=1e-6)


def test_an_empty_batch_is_refused_with_a_message():
    model = tiny_dcgan()
    model.compile()
    empty = np.zeros((0, *SHAPE), "float32")
    with pytest.raises(ValueError, match=r"no samples.*shape \(0, 16, 16, 1\)"):
        model.train_on_batch(empty)
    with pytest.raises(ValueError, match="no samples"):
        model.fit(empty, batch_size=4, verbose=0)


# -- Built from the config: one source of truth -------------------------------------------------

# Narrow networks, so that building all fourteen variants takes seconds.
_NARROW = {"base_filters": 4, "filters": 4, "discriminator_filters": 4, "generator_filters": 4,
           "hidden_units": 8, "coarse_units": 8, "dense_units": 8, "embedding_dim": 8,
           "compressed_dim": 8, "generator_units": (8,), "discriminator_units": (8,),
           "text_pretrain_steps": 0, "pretrain_steps": 0}  # fmt: skip
# By data kind, and by variant where its networks need another size (ProGAN grows by
# doubling from 4x4).
_SHAPES = {"unpaired": (32, 32, 1), "paired": (32, 32, 1), "srgan": (28, 28, 1),
           "progan": (16, 16, 1), "stylegan": (16, 16, 1)}  # fmt: skip


def _narrow_config(variant, **changes):
    config = variant.config_class()
    fields = {f.name for f in dataclasses.fields(config)}
    narrow = {k: v for k, v in _NARROW.items() if k in fields}
    return dataclasses.replace(config, **narrow, **changes)


@pytest.mark.parametrize("name", registry.available())
def test_every_constructor_argument_comes_from_the_config(name):
    variant = registry.get(name)
    model_class = variant.model_class
    assert model_class.config_class is variant.config_class
    config = _narrow_config(variant)
    shape = _SHAPES.get(name, _SHAPES.get(variant.data_kind, (28, 28, 1)))
    model = model_class.from_train_config(config, shape, num_classes=10)
    accepted = model_class.constructor_arguments()
    saved = model.get_config()
    passed = 0
    for field in dataclasses.fields(config):
        argument = model_class.config_arguments.get(field.name, field.name)
        if argument in accepted and argument in saved:
            value = getattr(config, field.name)
            expected = list(value) if isinstance(value, tuple) else value
            got = list(saved[argument]) if isinstance(saved[argument], tuple) else saved[argument]
            assert got == expected, f"{name}: --{field.name} {value!r} became {argument}={got!r}"
            passed += 1
    assert passed >= 1
    # Every renamed field names a real config field and a real constructor argument.
    for field_name, argument in model_class.config_arguments.items():
        assert field_name in {f.name for f in dataclasses.fields(config)} and argument in accepted


# Config fields read elsewhere than the constructor: by `optimizers_from_config`, or by the
# variant's `dataset_options` (CycleGAN's `paired`, pix2pix's `direction`).
_READ_ELSEWHERE = {"learning_rate", "beta_1", "beta_2", "d_learning_rate", "g_learning_rate",
                   "optimizer", "constant_epochs", "decay_epochs", "paired", "direction",
                   "attributes"}  # fmt: skip


@pytest.mark.parametrize("name", registry.available())
def test_no_config_field_is_silently_ignored(name):
    # from_train_config passes a field only where the constructor has an argument of its name:
    # a field named otherwise (and not in `config_arguments`) would be dropped without a word.
    variant = registry.get(name)
    accepted = variant.model_class.constructor_arguments()
    renamed = variant.model_class.config_arguments
    training = {field.name for field in dataclasses.fields(TrainConfig)}
    ignored = [
        field.name
        for field in dataclasses.fields(variant.config_class)
        if renamed.get(field.name, field.name) not in accepted
        and field.name not in training | _READ_ELSEWHERE
    ]
    assert ignored == [], f"{name}: config fields no constructor argument receives: {ignored}"


def test_the_optimizers_come_from_the_config():
    variant = registry.get("wgan_gp")
    model = variant.model_class.from_train_config(
        _narrow_config(variant, learning_rate=3e-4), (28, 28, 1)
    )
    for name in ("d_optimizer", "g_optimizer"):
        optimizer = getattr(model, name)
        assert isinstance(optimizer, keras.optimizers.Adam)
        assert np.isclose(float(optimizer.learning_rate), 3e-4)
        assert optimizer.beta_1 == 0.0 and optimizer.beta_2 == 0.9  # WGANGPConfig's, not Adam's
    # compile() without optimizers: the config's defaults, read from the same fields.
    defaults = variant.model_class(image_shape=(28, 28, 1), base_filters=4).default_optimizers()
    assert np.isclose(
        float(defaults["d_optimizer"].learning_rate), variant.config_class().learning_rate
    )
    wgan = registry.get("wgan")
    rmsprop = wgan.model_class.from_train_config(_narrow_config(wgan), (28, 28, 1)).d_optimizer
    assert isinstance(rmsprop, keras.optimizers.RMSprop) and rmsprop.rho == 0.99


def test_a_renamed_config_field_reaches_its_constructor_argument():
    # Pix2PixConfig.unet_depth (--unet-depth) is Pix2Pix(depth=...).
    variant = registry.get("pix2pix")
    built = variant.model_class.from_train_config(
        _narrow_config(variant, unet_depth=3), (32, 32, 1)
    )
    narrow = {"image_shape": (32, 32, 1), "base_filters": 4, "discriminator_filters": 4}
    direct = variant.model_class(**narrow, depth=3)
    default = variant.model_class(**narrow)
    assert built.generator.count_params() == direct.generator.count_params()
    assert built.generator.count_params() != default.generator.count_params()


def test_from_train_config_takes_networks_built_by_hand():
    variant = registry.get("dcgan")
    config = _narrow_config(variant)
    critic = keras.Sequential(
        [keras.Input((16, 16, 1)), keras.layers.Flatten(), keras.layers.Dense(1)], name="critic"
    )
    model = variant.model_class.from_train_config(config, (16, 16, 1), discriminator=critic)
    assert model.discriminator is critic
    assert model.generator.output_shape[1:] == (16, 16, 1)  # the rest still from the config
    from_config_alone = variant.model_class.from_train_config(config, (16, 16, 1))
    assert model.generator.count_params() == from_config_alone.generator.count_params()
    assert model.discriminator.count_params() != from_config_alone.discriminator.count_params()
    assert isinstance(model.d_optimizer, keras.optimizers.Adam)  # and compiled
    with pytest.raises(ValueError, match="takes no argument 'critic'.*discriminator"):
        variant.model_class.from_train_config(config, (16, 16, 1), critic=critic)
    with pytest.raises(ValueError, match="'base_filters' is already set.*DCGANConfig"):
        variant.model_class.from_train_config(config, (16, 16, 1), base_filters=8)
    with pytest.raises(ValueError, match="'image_shape' is already set"):
        variant.model_class.from_train_config(config, (16, 16, 1), image_shape=(8, 8, 1))


@pytest.mark.parametrize(
    "name, accepted, filled",
    [
        # CycleGAN hands generator_ab and discriminator_b to TranslationModel's constructor
        ("cyclegan", {"generator_ab", "pool_size", "receptive_field"},
         {"generator", "discriminator"}),
        # U-GAT-IT skips CycleGAN's constructor (no image pool, no single receptive field)
        ("ugatit", {"local_discriminator_a", "ema_decay"},
         {"receptive_field", "pool_size", "generator", "discriminator"}),
        # LAPGAN's finest level and every level's logs go to AdversarialModel's
        ("lapgan", {"generators", "latent_dim"}, {"generator", "discriminator", "log_names"}),
        ("dcgan", {"generator", "discriminator", "generator_loss"}, set()),
    ],
)  # fmt: skip
def test_named_arguments_are_those_the_caller_can_give(name, accepted, filled):
    named = registry.get(name).model_class.named_arguments()
    assert accepted <= named
    assert not filled & named


def test_from_train_config_refuses_an_argument_a_parent_constructor_names_but_is_not_given():
    variant = registry.get("ugatit")
    config = _narrow_config(variant)
    with pytest.raises(ValueError, match="takes no argument 'receptive_field'"):
        variant.model_class.from_train_config(config, (16, 16, 1), receptive_field=70)
    with pytest.raises(ValueError, match="takes no argument 'generator'.*generator_ab"):
        variant.model_class.from_train_config(config, (16, 16, 1), generator=None)


@pytest.mark.parametrize(
    "name, arguments",
    [
        ("dcgan", {"generator_loss": "minimax", "base_filters": 4}),  # GAN's argument, via kwargs
        ("wgan_gp", {"gp_weight": 5.0, "critic_normalization": "layer", "base_filters": 4}),
        ("lsgan", {"coding": "pearson", "base_filters": 4}),
        ("cgan", {"conditioning": "embedding", "num_classes": 3, "base_filters": 4}),
    ],
)
def test_every_hyperparameter_survives_get_config(name, arguments):
    model_class = registry.get(name).model_class
    model = model_class(image_shape=(28, 28, 1), **arguments)
    saved = model.get_config()
    for argument, value in arguments.items():
        if argument != "base_filters":  # a width: the networks themselves are saved
            assert saved[argument] == value, argument
    again = model_class.from_config(saved)
    for argument, value in arguments.items():
        if argument != "base_filters":
            assert getattr(again, argument) == value, argument


@pytest.mark.parametrize("name", registry.available())
def test_each_model_is_of_one_kind_with_only_that_kinds_arguments(name):
    # A model that generates from z is an AdversarialModel; one that maps images to images is a
    # TranslationModel, with no latent_dim to take or throw away. Models of single images, and
    # of aligned pairs, are each of one kind; two unpaired domains are translated (CycleGAN) or
    # generated from one z (CoGAN).
    model_class = registry.get(name).model_class
    translates = issubclass(model_class, TranslationModel)
    assert issubclass(model_class, AdversarialModel) is not translates
    assert issubclass(model_class, AdversarialBase)
    if model_class.data_kind in ("images", "labelled", "captioned"):
        assert not translates
    if model_class.data_kind == "paired":
        assert translates
    latent_arguments = {"latent_dim", "latent_distribution"}
    if translates:
        assert not latent_arguments & model_class.constructor_arguments()
        assert not hasattr(model_class, "sample_latent")
        # several critic updates per step only where the paper has them (StarGAN's n_critic)
        fields = {field.name for field in dataclasses.fields(model_class.config_class)}
        if "discriminator_steps" in model_class.constructor_arguments():
            assert "discriminator_steps" in fields


def test_a_translation_model_refuses_latent_arguments_but_loads_old_files_that_have_them():
    pix2pix = registry.get("pix2pix").model_class
    narrow = dict(image_shape=(32, 32, 1), base_filters=4, discriminator_filters=4)
    with pytest.raises(ValueError, match="latent_dim"):
        pix2pix(**narrow, receptive_field=16, latent_dim=1)
    config = pix2pix(**narrow, receptive_field=16).get_config()
    assert "latent_dim" not in config
    # Files written before TranslationModel saved latent_dim (the input channels) and friends.
    old = {**config, "latent_dim": 1, "latent_distribution": "normal", "discriminator_steps": 1}
    assert isinstance(pix2pix.from_config(old), pix2pix)


def test_truncated_latents_stay_within_psi_and_follow_the_truncated_prior():
    from scipy import stats

    normal = GAN(sample_shape=(4,), latent_dim=50, generator_units=(4,), discriminator_units=(4,))
    z = normal.truncated_latents(4000, truncation=1.0, seed=3)
    assert z.shape == (4000, 50) and z.dtype == np.float32 and np.abs(z).max() <= 1.0
    # N(0, 1) conditioned on |z| <= 1 (scipy's truncnorm): std 0.5379
    np.testing.assert_allclose(z.std(), stats.truncnorm(-1.0, 1.0).std(), rtol=0.01)
    np.testing.assert_array_equal(z, normal.truncated_latents(4000, 1.0, seed=3))
    assert np.abs(normal.truncated_latents(10, 0.04)).max() <= 0.04  # BigGAN's smallest psi
    uniform = GAN(
        sample_shape=(4,), latent_dim=50, generator_units=(4,), discriminator_units=(4,),
        latent_distribution="uniform",
    )  # fmt: skip
    half = uniform.truncated_latents(4000, 0.5)
    assert np.abs(half).max() <= 0.5
    np.testing.assert_allclose(np.abs(half).mean(), 0.25, rtol=0.02)  # U(-0.5, 0.5)
    assert uniform.generate(latents=half[:3]).shape == (3, 4)
    for bad in (0, -1.0, float("nan"), "0.5", True):
        with pytest.raises(ValueError, match="`truncation` must be a finite number > 0"):
            normal.truncated_latents(4, bad)
    with pytest.raises(ValueError, match="`num_samples` must be a positive integer"):
        normal.truncated_latents(0, 0.5)
