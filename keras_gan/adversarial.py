"""The adversarial base model: the `compile`/`fit` contract every variant shares.

A variant subclasses `AdversarialModel` and writes one method, `train_step(self, data)`, as its
paper's algorithm with `keras.ops`: sample latents, define a loss as a closure, and hand it to
`self.minimize(loss_fn, network, optimizer)`, which computes the gradients with respect to that
network's weights and applies them. The same code runs on TensorFlow, JAX and PyTorch;
`keras_gan.backend` holds the per-backend gradient machinery.

Three classes: `AdversarialBase`, the core every model shares (networks, optimizers, `minimize`,
logs, saving, input checks); `AdversarialModel`, a GAN that generates from a latent z (the
image and labelled-image variants); `TranslationModel`, an image-to-image GAN with no z
(pix2pix, CycleGAN, SRGAN).

The contract is the one keras.io's GAN examples use: `generator=`, `discriminator=`,
`latent_dim=`; `compile(d_optimizer=, g_optimizer=)`; logs `d_loss` and `g_loss`.
"""

import contextlib
import dataclasses
import functools
import inspect
import sys

import keras
import numpy as np
from keras import ops

from keras_gan import augment as augmentation
from keras_gan import backend, ema, losses
from keras_gan.backend import compat
from keras_gan.config import (
    AugmentConfig,
    check_augment,
    check_ema,
    check_regularization,
    check_value,
    coerce_value,
    constructor_defaults,
)

#: The logs a model with ADA adds to its own (`AdversarialBase.end_step`).
ADA_LOGS = ("ada_p", "ada_r")
#: The logs of the R1 and R2 penalties, where they are on: E||grad D||^2 / 2 as last computed
#: (every `regularization_interval` steps), logged at every step.
PENALTY_LOGS = {"r1_gamma": "r1_penalty", "r2_gamma": "r2_penalty"}
_FORBIDDEN_COMPILE_ARGS = ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics")


def check_latent_dim(latent_dim):
    """Raises a `ValueError` unless `latent_dim` is a positive integer."""
    if (
        isinstance(latent_dim, bool)
        or not isinstance(latent_dim, (int, np.integer))
        or latent_dim <= 0
    ):
        raise ValueError(
            f"`latent_dim` must be a positive integer. Received: latent_dim={latent_dim!r}"
        )


def check_accumulation_steps(accumulation_steps):
    """Returns `accumulation_steps` as an int, or raises a `ValueError` unless it is an integer
    >= 1 (the micro-batches of one gradient-accumulation step)."""
    if (
        isinstance(accumulation_steps, bool)
        or not isinstance(accumulation_steps, (int, np.integer))
        or accumulation_steps < 1
    ):
        raise ValueError(
            "`accumulation_steps` must be an integer >= 1 (1: no gradient accumulation). "
            f"Received: accumulation_steps={accumulation_steps!r}"
        )
    return int(accumulation_steps)


@keras.saving.register_keras_serializable(package="keras_gan")
class LatestValue(keras.metrics.Metric):
    """A log of the training state: `result()` is the last value given to `update_state`."""

    def __init__(self, name="latest_value", dtype="float32", **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.value = self.add_variable(shape=(), initializer="zeros", dtype=dtype, name="value")

    def update_state(self, value):
        self.value.assign(ops.cast(value, self.dtype))

    def result(self):
        return ops.convert_to_tensor(self.value)


class DataError(ValueError):
    """`fit()`'s data cannot train this model (its kind, shape, range, or too few examples).

    Raised by `fit` and `train_on_batch` before any step, with the model's own message.
    """


class OptimizerGroup(keras.optimizers.Optimizer):
    """Holds a model's optimizers behind the single `model.optimizer` Keras expects.

    Keras threads `model.optimizer.variables` through its JAX training state and reads
    `model.optimizer.iterations` in callbacks such as TensorBoard. This group exposes every
    member's variables (in a fixed order) and keeps its own `iterations`: the number of
    adversarial steps taken, whatever each member's own count (with 5 critic steps per
    generator step, the critic's optimizer counts 5 per step). It never applies gradients
    itself; `AdversarialModel.minimize` calls each member.

    Args:
        optimizers: dict mapping attribute names (`"d_optimizer"`, ...) to built optimizers.
    """

    def __init__(self, optimizers, name="optimizers"):
        super().__init__(learning_rate=0.0, name=name)
        self.members = dict(optimizers)
        self.built = True

    @property
    def variables(self):
        own = self._variables[:]
        return own + [v for optimizer in self.members.values() for v in optimizer.variables]

    def build(self, var_list=None):
        self.built = True

    # The members save and load their own state; the group stores only its step counter.
    def save_own_variables(self, store):
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        for i, variable in enumerate(self._variables):
            variable.assign(store[str(i)])

    def apply(self, grads, trainable_variables=None):
        raise RuntimeError(
            "The optimizers of an AdversarialModel are applied one by one by "
            "`model.minimize(...)`; `model.optimizer` only groups them."
        )


def _source_signature(init):
    """The signature an `__init__` is written with (not the one `show_hyperparameters` gives
    it)."""
    return inspect.signature(getattr(init, "__wrapped__", init))


def _checking_hyperparameters(init, owner):
    """Wraps the `__init__` of `owner`, a model class, so that its hyperparameters come from
    its config (`AdversarialBase.hyperparameter_defaults`).

    The constructor of the class being built (the outermost) checks the arguments it is given
    (`check_hyperparameters`), once; fills in the default of every hyperparameter not given;
    passes on those that a constructor in its chain names, and keeps the others as attributes
    of the same name, typed as their config field (`self.gp_weight`). A constructor further
    down the chain (`GAN.__init__` building a `DCGAN`) fills in only its own keyword-only
    arguments still missing, from its own class's config.
    """
    signature = inspect.signature(init)
    var_keyword = [n for n, p in signature.parameters.items() if p.kind is p.VAR_KEYWORD]
    required = [
        name
        for name, p in signature.parameters.items()
        if p.kind is p.KEYWORD_ONLY and p.default is p.empty
    ]

    @functools.wraps(init)
    def checked_init(self, *args, **kwargs):
        cls = type(self)
        first = next(k.__dict__["__init__"] for k in cls.__mro__ if "__init__" in k.__dict__)
        attributes = {}
        if first is checked_init:
            given = signature.bind_partial(self, *args, **kwargs).arguments
            for name in var_keyword:
                given.update(given.pop(name, {}))
            given.pop("self")
            cls.check_hyperparameters(**given)
            named = cls.named_arguments()
            for name, default in cls.hyperparameter_defaults().items():
                if name not in named:  # not an argument of any constructor: an attribute
                    value = kwargs.pop(name, None)  # None reads as the default, as elsewhere
                    attributes[name] = default if value is None else value
                elif name not in given:
                    kwargs[name] = default
        if required:
            own = owner.hyperparameter_defaults()
            for name in required:
                if name not in kwargs and name in own:
                    kwargs[name] = own[name]
        init(self, *args, **kwargs)
        if first is checked_init:
            renamed = {argument: field for field, argument in cls.config_arguments.items()}
            for name, value in attributes.items():
                field = renamed.get(name, name)
                setattr(self, name, coerce_value(cls.config_class, field, value))
            # every network exists now: the generator's average can copy them
            self._build_generator_average()

    checked_init.__signature__ = signature  # what Keras's auto-config and `help()` read
    return checked_init


def _sampling_from_the_average(generate):
    """Wraps a model's `generate` so that it samples from the generator's EMA weights, or with
    `ema=False` from the raw generator (see `AdversarialBase.averaged_generator`)."""

    @functools.wraps(generate)
    def generate_from_average(self, *args, ema=True, **kwargs):
        with self.averaged_generator(average=ema):
            return generate(self, *args, **kwargs)

    signature = inspect.signature(generate)
    parameters = list(signature.parameters.values())
    flag = inspect.Parameter("ema", inspect.Parameter.KEYWORD_ONLY, default=True)
    at = next((i for i, p in enumerate(parameters) if p.kind is p.VAR_KEYWORD), len(parameters))
    generate_from_average.__signature__ = signature.replace(
        parameters=[*parameters[:at], flag, *parameters[at:]]
    )
    generate_from_average.__doc__ = _with_ema_argument(generate.__doc__ or "")
    generate_from_average.samples_from_the_average = True
    return generate_from_average


_EMA_ARGUMENT = (
    "ema: bool, with a generator EMA (`ema_decay=` or `ema_half_life=`), sample from the "
    "averaged weights (`True`) or from the generator's own (`False`). Defaults to `True`."
)


def _with_ema_argument(doc):
    """`generate`'s docstring with `ema` added at the end of its `Args:` section."""
    if "    ema: bool" in doc:  # documented by hand
        return doc
    lines = doc.split("\n")
    header = next((i for i, line in enumerate(lines) if line.strip() == "Args:"), None)
    if header is None:
        return doc + "\n\n    " + _EMA_ARGUMENT
    indent = lines[header][: len(lines[header]) - len(lines[header].lstrip())]
    end = header + 1
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith(indent + " ")):
        end += 1
    while not lines[end - 1].strip():
        end -= 1
    words, text = _EMA_ARGUMENT.split(), []
    line = indent + "    "
    for word in words:
        if len(line) + len(word) + 1 > 96:
            text.append(line.rstrip())
            line = indent + "        "
        line += word + " "
    text.append(line.rstrip())
    return "\n".join(lines[:end] + text + lines[end:])


def lazily_regularized(optimizer, interval):
    """`optimizer` rebuilt for a network with a lazy penalty step every `interval` = k steps
    (StyleGAN2 appendix B): the learning rate times c = k/(k+1) and Adam's betas to the power
    c, since the optimizer now takes k+1 steps where it took k. The same optimizer for k = 1,
    and a learning-rate schedule's rate is kept."""
    if interval == 1:
        return optimizer
    ratio = interval / (interval + 1)
    config = optimizer.get_config()
    if isinstance(config.get("learning_rate"), (int, float)):
        config["learning_rate"] = config["learning_rate"] * ratio
    for beta in ("beta_1", "beta_2"):
        if isinstance(config.get(beta), (int, float)):
            config[beta] = config[beta] ** ratio
    return type(optimizer).from_config(config)


def _to_numpy(value):
    """A TensorFlow tensor as a NumPy array; anything else unchanged."""
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(value, tf.Tensor):
        return value.numpy()
    return value


class AdversarialBase(keras.Model):
    """The adversarial core every keras_gan model shares, whatever it generates from.

    Networks, their optimizers (`compile`), one gradient step (`minimize`), the running logs,
    saving and loading, and the checks before training. Two kinds of model build on it:
    `AdversarialModel`, which generates from a latent vector z (images or labelled images), and
    `TranslationModel`, which maps input images to output images and has no z. A model's
    `data_kind` says what one batch of its data is; callers ask it rather than inspect its
    methods.

    Subclasses set `optimizer_targets` (which optimizer trains which network) and
    `log_names` (what `fit` reports), and implement `train_step(self, data)`.

    Every model can keep an exponential moving average (EMA) of its generator's weights
    (`keras_gan.ema`): turned on with `ema_decay` or `ema_half_life`, updated by the core after
    each `train_step` (the variant's step is unchanged), saved with the model, and read by
    `generate` (the sample grids, `keras_gan.evaluate`), while the generator trains with its own
    weights.

    Args:
        generator: `keras.Model`, the generator.
        discriminator: `keras.Model` mapping samples to scores or logits.
        seed: optional int, seed of the model's `keras.random.SeedGenerator`, from which
            every random draw in `train_step` comes.
        log_names: optional tuple of strings, overriding the class's `log_names`.
        ema_decay: optional float in (0, 1), the generator EMA's fixed decay beta (ProGAN
            0.999, BigGAN 0.9999). Defaults to `None` (no EMA, unless `ema_half_life`).
        ema_half_life: optional int, the generator EMA's half-life in training images
            (StyleGAN2: 10,000): beta = 0.5 ** (batch / half-life). Defaults to `None`.
        ema_rampup: optional float > 0, with `ema_half_life`: the half-life is
            min(half-life, ema_rampup * images seen) (StyleGAN2-ADA: 0.05). Defaults to `None`.
        ema_start: int >= 0, steps during which the average copies the weights before it
            starts averaging (BigGAN: 20,000). Defaults to 0.
        augment: optional str, the transformations applied to every image the discriminator
            trains on, real and generated (`keras_gan.augment`): comma-separated names from
            `xflip`, `rotate90`, `translation`, `color`, `cutout` (DiffAugment:
            `"color,translation,cutout"`). The discriminator is then held wrapped in an
            `AugmentedDiscriminator`. Defaults to `None` (off).
        augment_probability: optional float in [0, 1], each transformation's probability per
            image. Defaults to `None`: 1 (DiffAugment), or 0 at the start of ADA.
        ada_target: optional float in (0, 1), turns ADA's controller on: p follows
            r_t = E[sign(D(x_real))] toward this target (ADA: 0.6). Defaults to `None`.
        ada_interval: int >= 1, steps between ADA's adjustments. Defaults to 4.
        ada_speed: int >= 1, training images for ADA's p to move by 1. Defaults to 500,000.
        label_smoothing: float alpha in [0, 0.5), one-sided label smoothing (Salimans et al.
            2016): the cross-entropy discriminator losses give real samples the target
            1 - alpha (`keras_gan.losses.one_sided_label_smoothing`). Defaults to 0 (off).
        r1_gamma: float >= 0, the R1 penalty gamma/2 E||grad_x D(x)||^2 on real samples
            (Mescheder et al. 2018), taken as its own discriminator step every
            `regularization_interval` steps. Defaults to 0 (off).
        r2_gamma: float >= 0, the R2 penalty gamma/2 E||grad D(G(z))||^2 on generated samples,
            with R1's schedule. Defaults to 0 (off).
        regularization_interval: int >= 1, StyleGAN2's lazy regularisation: the penalty's step
            every k steps with its loss times k; `compile()` without optimizers (and
            `from_train_config`) raise the discriminator's Adam rate and betas to the power
            k/(k+1). 1 applies it every step. Defaults to 16 (StyleGAN2).
        **kwargs: passed to `keras.Model` (e.g. `name`).
    """

    #: Which optimizer (attribute name) updates which network (attribute name).
    optimizer_targets = {"d_optimizer": "discriminator", "g_optimizer": "generator"}
    #: Names of the logs `train_step` reports; each is a running mean over the epoch, except
    #: those of `state_log_names`.
    log_names = ("d_loss", "g_loss")
    #: Logs that report the training state (ProGAN's resolution and alpha): the latest value,
    #: not a mean over the epoch.
    state_log_names = ()
    #: Sub-model attribute names, serialised by `get_config`.
    network_names = ("generator", "discriminator")
    #: What one batch of the model's training data is, which tells `python -m keras_gan.train`
    #: how to load its dataset: `"images"`, `"labelled"` (`(images, labels)`), `"paired"`
    #: (`(source, target)`), `"unpaired"` (`(domain_a, domain_b)`) or `"captioned"`
    #: (`(images, token_ids)`).
    data_kind = "images"
    #: The variant's config dataclass (set by `keras_gan.registry.register`).
    config_class = None
    #: Config fields whose constructor argument has another name, `{field: argument}`.
    config_arguments = {}
    #: Arguments of its parents' constructors that this class's `__init__` fills itself (CycleGAN
    #: passes its `generator_ab` on as `TranslationModel`'s `generator`): not the caller's to
    #: give, so `named_arguments` leaves them out. Read from the class that sets it, not inherited.
    filled_arguments = ()
    #: The class whose `__init__` this class's `__init__` calls with its `**kwargs`, where that is
    #: not the next constructor in the MRO (U-GAT-IT builds its own networks and skips
    #: CycleGAN's constructor). Read from the class that sets it, not inherited.
    kwargs_go_to = None
    #: Why the discriminator's augmentation (`augment=`) does not apply to this kind of model,
    #: or `None` where it does.
    augmentation_refusal = (
        "DiffAugment and ADA augment the images of a model generating from a latent z; this "
        "model has none"
    )
    #: Why ADA's controller does not apply to this model's discriminator, or `None`.
    ada_refusal = None
    #: Why one-sided label smoothing (`label_smoothing=`) does not apply, or `None` where it
    #: does: it smooths the cross-entropy's real target, which a model must have.
    label_smoothing_refusal = (
        "one-sided label smoothing is defined for the image GANs' real/fake cross-entropy; a "
        "translation model's adversarial term is one loss among its reconstruction losses"
    )
    #: Why the lazy R1/R2 penalties (`r1_gamma=`, `r2_gamma=`) do not apply, or `None`.
    regularization_refusal = (
        "the R1/R2 penalties take the gradient of one discriminator at the samples of a latent "
        "model; a translation model's discriminator judges outputs against their sources"
    )
    #: The discriminator score between "fake" and "real": ADA counts sign(D(x) - this).
    realness_threshold = 0.0

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("train_step")
        if step is not None:
            cls.train_step = backend.wrap_train_step(step)
        init = cls.__dict__.get("__init__")
        if init is not None:
            cls.__init__ = _checking_hyperparameters(init, cls)
        # The generate this class resolves to, its own or a mixin's (LabelConditioned brings
        # one to CGAN, ACGAN, SAGAN, BigGAN): each samples from the generator's average.
        generate = getattr(cls, "generate", None)
        if generate is not None and not getattr(generate, "samples_from_the_average", False):
            cls.generate = _sampling_from_the_average(generate)

    @classmethod
    def check_hyperparameters(cls, **values):
        """Checks constructor arguments against the variant's config fields of the same name.

        `keras_gan.config.check_value` is the one place a hyperparameter is checked: the
        command line and the config use it too. Arguments that are not config fields, and
        `None` (which a constructor reads as "the default"), are not checked here.

        Raises:
            ValueError: naming the argument, the value and what is accepted.
        """
        if cls.config_class is None:
            return
        fields = {f.name for f in dataclasses.fields(cls.config_class)}
        renamed = {argument: field for field, argument in cls.config_arguments.items()}
        for name, value in values.items():
            field = renamed.get(name, name)
            if value is not None and field in fields:
                check_value(cls.config_class, field, value, argument=name)

    def __init__(
        self,
        generator,
        discriminator,
        seed=None,
        log_names=None,
        ema_decay=None,
        ema_half_life=None,
        ema_rampup=None,
        ema_start=0,
        augment=None,
        augment_probability=None,
        ada_target=None,
        ada_interval=4,
        ada_speed=500_000,
        label_smoothing=0.0,
        r1_gamma=0.0,
        r2_gamma=0.0,
        regularization_interval=16,
        **kwargs,
    ):
        settings = dict(
            ema_decay=ema_decay, ema_half_life=ema_half_life, ema_rampup=ema_rampup,
            ema_start=ema_start, augment=augment, augment_probability=augment_probability,
            ada_target=ada_target, ada_interval=ada_interval, ada_speed=ada_speed,
            label_smoothing=label_smoothing, r1_gamma=r1_gamma, r2_gamma=r2_gamma,
            regularization_interval=regularization_interval,
        )  # fmt: skip
        for name, value in settings.items():
            check_value(AugmentConfig, name, value, argument=name)
        check_ema(ema_decay, ema_half_life, ema_rampup, ema_start)
        check_augment(augment, augment_probability, ada_target, ada_interval, ada_speed)
        check_regularization(r1_gamma, r2_gamma, regularization_interval)
        self.check_stabilisers_apply(
            augment=augment, ada_target=ada_target, label_smoothing=label_smoothing,
            r1_gamma=r1_gamma, r2_gamma=r2_gamma,
        )  # fmt: skip
        if augment is not None:
            augment = settings["augment"] = ",".join(augmentation.parse_policy(augment))
        super().__init__(**kwargs)
        for name, network in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(network, keras.layers.Layer):
                raise ValueError(f"`{name}` must be a keras.Model. Received: {name}={network!r}")
        for name, value in settings.items():
            setattr(self, name, value)
        #: The generator's EMA weights, one per variable of `generator_variables()`; empty
        #: without an EMA. Built when the outermost constructor returns.
        self.generator_average = []
        self._sampling_weights_set = False
        self.generator = generator
        discriminator = augmentation.unwrapped(discriminator)
        if augment is not None:
            self._check_augmentation_applies(augment)
            discriminator = augmentation.AugmentedDiscriminator(
                discriminator, augment, augment_probability, ada_target, ada_interval,
                ada_speed, seed=None if seed is None else seed + 1,
                name="augmented_discriminator",
            )  # fmt: skip
        self.discriminator = discriminator
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        if log_names is not None:
            self.log_names = tuple(log_names)
        extra = ADA_LOGS if ada_target is not None else ()  # ADA's p and r_t
        penalties = {"r1_gamma": r1_gamma, "r2_gamma": r2_gamma}
        extra += tuple(PENALTY_LOGS[name] for name, gamma in penalties.items() if gamma)
        # reported like every other log
        self.log_names = (*self.log_names, *(n for n in extra if n not in self.log_names))
        self._trackers = {
            name: LatestValue(name=name) if name in self.state_log_names else
            keras.metrics.Mean(name=name)
            for name in self.log_names
        }  # fmt: skip
        #: The last value of each penalty that is on, set by `regularize` every k steps and
        #: logged at every step (so that each step's log is a value, as for every other log).
        self.penalty_values = {
            log: self.add_weight(shape=(), initializer="zeros", trainable=False, name=log)
            for setting, log in PENALTY_LOGS.items()
            if penalties[setting]
        }
        self.built = True

    # -- What a variant's train_step uses -------------------------------------------------------

    def minimize(self, loss_fn, network, optimizer, accumulation_steps=None):
        """One gradient step on `network`'s trainable weights, minimising `loss_fn()`.

        With `accumulation_steps=k` (gradient accumulation, as BigGAN reaches its batches of
        2048), the step's loss is the mean of `loss_fn(i)` over the micro-batches `i = 0..k-1`:
        the gradient of each `loss_fn(i) / k` is taken in turn and summed, and the optimizer
        steps once on the sum. For a loss that is a mean over its micro-batch, that is the step
        a batch k times larger would give, with the memory of one micro-batch (layers with batch
        statistics, batch normalisation, see each micro-batch alone).

        Args:
            loss_fn: callable that runs the forward pass and returns a scalar loss, or
                `(loss, dict_of_extra_logs)`: called with no arguments, or, when
                `accumulation_steps` is given, with the micro-batch index `i`. Everything it
                reads that should be differentiated must be computed inside it.
            network: a `keras.Model`/layer, or a list of variables.
            optimizer: the `keras.optimizers.Optimizer` that updates them.
            accumulation_steps: optional int k >= 1, the micro-batches whose gradients are
                summed before the one update. Defaults to None: no accumulation, `loss_fn()`.

        Returns:
            `(loss, logs)`: the loss value and the extra logs, before the update (with
            accumulation, their means over the micro-batches).
        """
        variables = (
            network.trainable_variables
            if hasattr(network, "trainable_variables")
            else list(network)
        )
        if accumulation_steps is None:
            k, loss_of = 1, lambda i: loss_fn()
        else:
            k, loss_of = check_accumulation_steps(accumulation_steps), loss_fn
        scaling = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        if k == 1 and not scaling:
            loss, logs, gradients = backend.value_and_gradients(lambda: loss_of(0), variables)
            optimizer.apply(gradients, variables)
            return loss, logs

        def micro_batch_loss(i):
            def loss_of_micro_batch():
                loss, logs = backend.split_loss(loss_of(i))
                if k > 1:
                    loss = loss / k  # sum_i grad(L_i / k) = grad of the mean loss
                # float16 (mixed_float16): the loss is multiplied by the optimizer's dynamic
                # scale before the gradients are taken, so that small float16 gradients do not
                # round to zero; the optimizer divides them back, and skips the step (and
                # halves the scale) when one is not finite.
                return (optimizer.scale_loss(loss) if scaling else loss), logs

            return loss_of_micro_batch

        total, summed_logs, summed = None, None, None
        for i in range(k):
            loss, logs, gradients = backend.value_and_gradients(micro_batch_loss(i), variables)
            if summed is None:
                total, summed_logs, summed = loss, logs, list(gradients)
            else:
                total = total + loss
                summed_logs = keras.tree.map_structure(ops.add, summed_logs, logs)
                summed = backend.add_gradients(summed, gradients)
        if scaling:  # the scale the losses were multiplied by: applying may halve it
            total = total / ops.convert_to_tensor(optimizer.dynamic_scale)
        backend.apply_gradients(optimizer, summed, variables)
        if k > 1:
            summed_logs = keras.tree.map_structure(lambda value: value / k, summed_logs)
        return total, summed_logs

    # -- The generator's moving average (keras_gan.ema) -------------------------------------------

    def generator_variables(self):
        """The trainable variables of every network a generator optimizer trains: what the
        generator's EMA averages (both of CycleGAN's generators, every level of LAPGAN's)."""
        variables, seen = [], set()
        for optimizer_name, target in self.optimizer_targets.items():
            if optimizer_name.startswith("g_optimizer"):
                for variable in getattr(self, target).trainable_variables:
                    if id(variable) not in seen:
                        seen.add(id(variable))
                        variables.append(variable)
        return variables

    def _build_generator_average(self):
        if self.ema_decay is None and self.ema_half_life is None:
            return
        weights = self.generator_variables()
        if not weights:
            raise ValueError(
                f"{type(self).__name__} keeps an EMA of its generator's weights, but the "
                "generator has none yet: build the generator first (call it on a batch of its "
                f"inputs), then build the model. Received: ema_decay={self.ema_decay!r}, "
                f"ema_half_life={self.ema_half_life!r}"
            )
        average = []
        for i, weight in enumerate(weights):
            variable = self.add_weight(
                shape=weight.shape, dtype=weight.dtype, initializer="zeros", trainable=False,
                name=f"generator_average_{i}",
            )  # fmt: skip
            variable.assign(np.array(ops.convert_to_numpy(weight)))  # a copy, not a shared buffer
            average.append(variable)
        self.generator_average = average

    # -- Stabilisers the core applies around a variant's step ------------------------------------

    @contextlib.contextmanager
    def loss_settings(self):
        """The block each training step runs in (`keras_gan.backend`'s step wrapper enters it):
        with `label_smoothing`, `keras_gan.losses.one_sided_label_smoothing`, so the variant's
        cross-entropy discriminator loss smooths its real target. A step that smoothed nothing
        (a subclass whose loss is not `minimax_discriminator_loss` or `real_sample_loss`), or
        that ignored `generator_steps` > 1, is an error rather than a run without what was
        asked for."""
        object.__setattr__(self, "_generator_updates_taken", False)
        if not self.label_smoothing:
            yield
        else:
            with losses.one_sided_label_smoothing(self.label_smoothing) as smoothing:
                yield
        if getattr(self, "generator_steps", 1) > 1 and not self._generator_updates_taken:
            raise ValueError(
                f"generator_steps={self.generator_steps} asks for that many generator updates "
                f"per step, but {type(self).__name__}'s train_step does not loop over "
                "self.generator_updates()."
            )
        if self.label_smoothing and not smoothing.applied:
            raise ValueError(
                f"label_smoothing={self.label_smoothing!r} smooths the real target of the "
                f"cross-entropy discriminator loss, but {type(self).__name__}'s train_step "
                "computed none: its discriminator loss must call "
                "keras_gan.losses.minimax_discriminator_loss or real_sample_loss."
            )

    @classmethod
    def check_stabilisers_apply(
        cls, augment=None, ada_target=None, label_smoothing=0.0, r1_gamma=0.0, r2_gamma=0.0
    ):
        """Raises a `ValueError`, saying why, where a stabiliser asked for does not apply to
        this kind of model (its `*_refusal` attributes). The command line asks before it loads
        any data; the constructor asks again.
        """
        name = cls.__name__
        if augment is not None and cls.augmentation_refusal is not None:
            raise ValueError(
                f"The discriminator's augmentation does not apply to {name}: "
                f"{cls.augmentation_refusal}. Received: augment={augment!r}"
            )
        if ada_target is not None and cls.ada_refusal is not None:
            raise ValueError(
                f"ADA does not apply to {name}: {cls.ada_refusal}. DiffAugment (a fixed "
                f"probability, no `ada_target`) does. Received: ada_target={ada_target!r}"
            )
        if label_smoothing and cls.label_smoothing_refusal is not None:
            raise ValueError(
                f"One-sided label smoothing does not apply to {name}: "
                f"{cls.label_smoothing_refusal}. Received: label_smoothing={label_smoothing!r}"
            )
        if (r1_gamma or r2_gamma) and cls.regularization_refusal is not None:
            raise ValueError(
                f"The R1/R2 penalties do not apply to {name}: {cls.regularization_refusal}. "
                f"Received: r1_gamma={r1_gamma!r}, r2_gamma={r2_gamma!r}"
            )

    def regularize(self, data):
        r"""StyleGAN2's lazy regularisation step (Karras et al. 2020, section 3.1), every
        `regularization_interval` = k steps: one discriminator update on the penalties alone,

        $$k\Big(\tfrac{\gamma_1}{2}\mathbb{E}_x\lVert\nabla_x D(x)\rVert^2
          + \tfrac{\gamma_2}{2}\mathbb{E}_z\lVert\nabla_{\tilde x} D(\tilde x)\rVert^2\Big),
          \quad \tilde x = G(z)$$

        R1 on the batch's real samples and R2 on as many generated ones (Mescheder et al.
        2018), the gradient taken with respect to the images only (a conditional
        discriminator's labels or text are held fixed), through the discriminator in training
        mode (and its augmentation, as StyleGAN2-ADA). The factor k keeps the penalty's
        strength per step what it would be every step. `end_step` runs it on the steps whose
        index is a multiple of k, from the first. As in every `minimize`, a weight the penalty
        does not reach (the last layer's bias) gets a zero gradient, so Adam still moves it by
        its momentum; StyleGAN2-ADA's PyTorch code leaves such a weight out of that step.
        """
        interval = self.regularization_interval
        real = self.discriminator_inputs(data)
        fake = self.generated_discriminator_inputs(data) if self.r2_gamma else None
        target = getattr(self, self.optimizer_targets["d_optimizer"])

        def penalty_loss():
            total, logs = 0.0, {}
            if self.r1_gamma:
                # R1 = 1/2 E||grad_x D(x)||^2 on real samples
                logs["r1_penalty"] = self._input_penalty(real)
                total = total + self.r1_gamma * logs["r1_penalty"]
            if self.r2_gamma:
                # R2 = 1/2 E||grad D(G(z))||^2 on generated samples
                logs["r2_penalty"] = self._input_penalty(fake)
                total = total + self.r2_gamma * logs["r2_penalty"]
            # lazy: every k steps, k times the penalty
            return total * interval, logs

        _, logs = self.minimize(penalty_loss, target, self.d_optimizer)
        for log, value in logs.items():
            self.penalty_values[log].assign(value)

    def _input_penalty(self, inputs):
        """1/2 E||grad D||^2 with respect to the images of the discriminator's `inputs`."""
        conditions = []
        if isinstance(inputs, (list, tuple)):
            inputs, conditions = inputs[0], [ops.stop_gradient(c) for c in inputs[1:]]

        def realness(images):  # the first output: ACGAN's and InfoGAN's source logit
            outputs = self.discriminator([images, *conditions] if conditions else images,
                                         training=True)  # fmt: skip
            return keras.tree.flatten(outputs)[0]

        return losses.r1_penalty(realness, ops.stop_gradient(ops.convert_to_tensor(inputs)))

    def generated_discriminator_inputs(self, data):
        """What the discriminator takes for generated samples, as many as the batch's real
        ones (R2 penalises its gradient there). Latent models define it."""
        raise NotImplementedError(
            f"{type(self).__name__} does not define generated_discriminator_inputs(data), which "
            "the R2 penalty (r2_gamma) needs."
        )

    def lazy_regularization_optimizers(self, optimizers):
        """The optimizers with StyleGAN2's adjustment for lazy regularisation: with the R1/R2
        penalty every k > 1 steps, the discriminator's learning rate times c = k/(k+1) and
        Adam's betas to the power c, since its optimizer now takes k+1 steps where it took k.
        Unchanged otherwise, and for a learning-rate schedule (its rate is kept).

        Args:
            optimizers: dict from optimizer names (`optimizer_targets`) to optimizers.

        Returns:
            dict of the same names, the discriminator's optimizers rebuilt.
        """
        if not (self.r1_gamma or self.r2_gamma):
            return optimizers
        return {
            name: lazily_regularized(optimizer, self.regularization_interval)
            if name.startswith("d_optimizer") else optimizer
            for name, optimizer in optimizers.items()
        }  # fmt: skip

    def end_step(self, data):
        """What the core does after every variant's `train_step` (the backend's step wrapper
        calls it once per step, before the step counter moves): the lazy R1/R2 step every
        `regularization_interval` steps (`regularize`), the generator's EMA update,
        average = beta_t * average + (1 - beta_t) * weights (`keras_gan.ema`), and ADA's
        adjustment of the augmentation probability p (`keras_gan.augment`).

        Returns:
            dict of extra logs, added to the step's: with ADA, `ada_p` (p after the step) and
            `ada_r` (the step's E[sign(D(x_real))]); with R1/R2, `r1_penalty` / `r2_penalty`
            (the penalty as last computed); running means over the epoch like every log.
        """
        logs = {}
        if self.r1_gamma or self.r2_gamma:
            # StyleGAN2's lazy regularisation: a penalty step every k steps
            due = ops.equal(ops.mod(self.optimizer.iterations, self.regularization_interval), 0)
            backend.run_if(due, lambda: self.regularize(data))
            logs.update(self.update_logs(**self.penalty_values))
        if self.generator_average:
            images = keras.tree.flatten(data)[0]
            beta = ema.decay_at(
                self.optimizer.iterations, ops.shape(images)[0], self.ema_decay,
                self.ema_half_life, self.ema_rampup, self.ema_start,
            )  # fmt: skip
            ema.update(self.generator_average, self.generator_variables(), beta)
        if getattr(self, "ada_target", None) is not None:
            # ADA's overfitting heuristic: how sure D is of the (augmented) real images
            scores = self.discriminator.real_scores(self.discriminator_inputs(data))
            p, r = self.discriminator.observe(
                scores, self.realness_threshold, self.optimizer.iterations
            )
            logs.update(self.update_logs(ada_p=p, ada_r=r))
        return logs

    def discriminator_inputs(self, data):
        """What the discriminator takes for a batch's real samples (ADA scores them): the
        images, the batch's first array (`images`, `(images, labels)`, `{"images": ...}`). A
        model whose discriminator takes more than images overrides it."""
        return keras.tree.flatten(data)[0]

    def _check_augmentation_applies(self, policy):
        """The checks of `augment=` that need the model's sample shape."""
        cls = type(self).__name__
        shape = self.sample_shape
        if len(shape) != 3:
            raise ValueError(
                f"The discriminator's augmentation transforms images (height, width, "
                f"channels); {cls} generates samples of shape {shape}. Received: "
                f"augment={policy!r}"
            )
        if "rotate90" in policy and shape[0] != shape[1]:
            raise ValueError(
                f"`rotate90` turns square images; {cls} generates {shape[0]}x{shape[1]} images. "
                f"Received: augment={policy!r}"
            )

    @contextlib.contextmanager
    def averaged_generator(self, average=True):
        """Within the block, the generator networks hold the EMA weights, and their own come
        back afterwards; with `average=False` they keep their own. Either way `generate` in the
        block samples from those weights, whatever its `ema` argument. Without an EMA, nothing
        changes. `generate` uses it for each call; wrap many calls in one block to swap once.

        Args:
            average: bool, hold the EMA weights (`True`) or the raw ones. Defaults to `True`.
        """
        if not self.generator_average or self._sampling_weights_set:
            yield
            return
        backend.sync_state(self)
        self._sampling_weights_set = True
        try:
            if average:
                with ema.swapped_in(self.generator_variables(), self.generator_average):
                    yield
            else:
                yield
        finally:
            self._sampling_weights_set = False

    @contextlib.contextmanager
    def standing_statistics(self, batches=16, batch_size=64, seed=0, ema=True):
        r"""Within the block, the generator's batch normalisations hold statistics recomputed
        for the weights `generate` samples from (BigGAN's "standing statistics").

        In inference mode a batch normalisation divides by moving statistics that training
        gathered from the raw generator's batches. The EMA's weights are not the raw ones, so
        their features have other statistics. The block recomputes them for the sampled
        weights, as the authors' `accumulate_standing_stats` does: `batches` generated batches
        in training mode, and each layer's mean and variance are the plain average of the
        batches' ones,

        $$\mu = \frac{1}{B}\sum_{b=1}^{B} \mu_b, \qquad \sigma^2 = \frac{1}{B}\sum_{b=1}^{B}
        \sigma_b^2.$$

        The statistics training gathered come back when the block ends, so training can go on.

        ```python
        with model.standing_statistics(batches=16):
            images = model.generate(labels=labels, seed=0)
        ```

        Args:
            batches: int >= 1, generated batches to average over. Defaults to 16 (the
                authors' sampling scripts take 16 or 32 `num_standing_accumulations`).
            batch_size: int >= 1, samples per batch. Defaults to 64.
            seed: int, seed of the first batch's latents (and labels); batch b uses
                `seed + b`. Defaults to 0.
            ema: bool, recompute them for the EMA weights (`True`) or the raw generator's
                (`False`); `generate` in the block samples from those, whatever its own `ema`.
                Defaults to `True`.

        Raises:
            ValueError: `batches` or `batch_size` not a positive integer; a model that
                generates from inputs (translation, super-resolution) or whose `generate` does
                not draw through `generator`; a generator without batch normalisation.
        """
        for name, value in (("batches", batches), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
        cls = type(self).__name__
        if "seed" not in inspect.signature(self.generate).parameters:
            raise ValueError(
                f"{cls} generates from inputs (images), not from latents alone, so the standing "
                "statistics cannot draw its batches: they are for models that sample from a "
                "prior."
            )
        layers = [
            layer
            for layer in compat.all_layers(self.generator)
            if isinstance(layer, keras.layers.BatchNormalization)
        ]
        if not layers:
            raise ValueError(
                f"{cls}'s generator has no batch normalisation, so there are no statistics to "
                "recompute: sample without standing statistics."
            )
        statistics = {id(v) for layer in layers for v in (layer.moving_mean, layer.moving_variance)}
        with self.averaged_generator(average=ema):
            saved = [
                (ops.copy(x.moving_mean.value), ops.copy(x.moving_variance.value), x.momentum)
                for x in layers
            ]
            # the rest of the generator's state (spectral normalisation's vectors, seeds) is
            # put back after the passes: they change the statistics and nothing else
            others = [
                (v, ops.copy(v.value))
                for v in self.generator.non_trainable_variables
                if id(v) not in statistics
            ]
            self._standing_passes = 0
            try:
                try:
                    for b in range(batches):
                        # momentum b / (b + 1): after batch b the moving value is the mean of
                        # the b + 1 batches' statistics (the first batch replaces training's)
                        for layer in layers:
                            layer.momentum = b / (b + 1)
                        self.generate(batch_size, seed=seed + b)
                    if self._standing_passes == 0:
                        raise ValueError(
                            f"{cls}.generate does not draw through the model's `generator`, "
                            "so its statistics cannot be recomputed here."
                        )
                finally:
                    self._standing_passes = None
                    for layer, (_, _, momentum) in zip(layers, saved):
                        layer.momentum = momentum
                    for variable, value in others:
                        variable.assign(value)
                yield
            finally:  # training's statistics back, so training can go on
                for layer, (mean, variance, _) in zip(layers, saved):
                    layer.moving_mean.assign(mean)
                    layer.moving_variance.assign(variance)

    def update_logs(self, **values):
        """Adds this step's values to the running means and returns all of them as logs."""
        for name, value in values.items():
            if name not in self._trackers:
                raise ValueError(
                    f"Unknown log '{name}' for {type(self).__name__}. "
                    f"Declared in log_names: {', '.join(self.log_names)}"
                )
            self._trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self._trackers.items()}

    def train_step(self, data):
        raise NotImplementedError(
            f"{type(self).__name__} must implement train_step(self, data): "
            "see keras_gan.models.GAN for the pattern."
        )

    # -- Keras plumbing --------------------------------------------------------------------------

    @property
    def metrics(self):
        return list(self._trackers.values())

    @property
    def sample_shape(self):
        """Shape of one generated sample, e.g. `(28, 28, 1)`."""
        return tuple(self.generator.output_shape[1:])

    # -- Built from the variant's config -------------------------------------------------------

    def default_optimizers(self):
        """The paper's optimizers, used by `compile()` when none is given.

        Those the variant's config describes with its default values:
        `optimizers_from_config(config_class())`. A model class no config was registered for
        gets Adam(2e-4, beta_1=0.5), DCGAN's setting, per network. `compile()` adjusts them
        for lazy R1/R2 (`lazy_regularization_optimizers`).

        Returns:
            dict mapping each name in `optimizer_targets` to a new optimizer.
        """
        if self.config_class is None:
            return {
                name: keras.optimizers.Adam(2e-4, beta_1=0.5) for name in self.optimizer_targets
            }
        return self.optimizers_from_config(self.config_class())

    def optimizers_from_config(self, config):
        """One new optimizer per network, as `config` describes them.

        Adam with the config's learning rates (`learning_rates(config)`: `learning_rate`, or
        with TTUR `d_learning_rate` / `g_learning_rate`), `beta_1` and, where the config has
        one, `beta_2` (else Adam's 0.999). A variant whose paper uses another optimizer overrides
        this (WGAN's RMSProp, InfoGAN's two rates, LAPGAN's SGD, CycleGAN's decay).

        Args:
            config: the variant's config dataclass instance.

        Returns:
            dict mapping each name in `optimizer_targets` to a new optimizer.
        """
        rates = self.learning_rates(config)
        return {
            name: keras.optimizers.Adam(
                learning_rate=rates[name], beta_1=config.beta_1,
                beta_2=getattr(config, "beta_2", 0.999),
            )
            for name in self.optimizer_targets
        }  # fmt: skip

    def learning_rates(self, config):
        """The learning rate of each optimizer a config describes (TTUR, Heusel et al. 2017).

        The discriminator's optimizers (`d_optimizer*`) take `config.d_learning_rate` and the
        generator's (`g_optimizer*`) `config.g_learning_rate` where the config sets them; every
        other optimizer, and those two when they are `None`, `config.learning_rate`.

        Args:
            config: the variant's config dataclass instance.

        Returns:
            dict mapping each name in `optimizer_targets` to a float.
        """
        rates = {}
        for name in self.optimizer_targets:
            own = {"d": "d_learning_rate", "g": "g_learning_rate"}.get(name.split("_")[0])
            rate = getattr(config, own, None) if own else None
            rates[name] = rate if rate is not None else config.learning_rate
        return rates

    @classmethod
    def constructor_arguments(cls):
        """The keyword arguments the constructor takes: those its chain of constructors names
        (`named_arguments`) and every hyperparameter of its config."""
        return cls.named_arguments() | set(cls.hyperparameter_defaults())

    @classmethod
    def named_arguments(cls):
        """The arguments the constructors name in their signatures, through the classes they
        pass `**kwargs` to (the next constructor in the MRO, or `kwargs_go_to`), up to
        `AdversarialBase`, less those a constructor fills itself (`filled_arguments`)."""
        mro = cls.__mro__

        def constructor_from(index):
            return next((k for k in mro[index:] if "__init__" in k.__dict__), None)

        names, filled = set(), set()
        klass = constructor_from(0)
        while klass is not None:
            parameters = _source_signature(klass.__dict__["__init__"]).parameters.values()
            names.update(
                p.name
                for p in parameters
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in filled
            )
            filled.update(klass.__dict__.get("filled_arguments", ()))
            if klass is AdversarialBase or not any(p.kind is p.VAR_KEYWORD for p in parameters):
                break
            target = klass.__dict__.get("kwargs_go_to")
            klass = constructor_from(mro.index(target) if target else mro.index(klass) + 1)
        return names - {"self"}

    @classmethod
    def hyperparameter_defaults(cls):
        """The model's hyperparameters and their defaults, by constructor argument: every field
        of its config that is not a training-loop setting (`keras_gan.config.
        constructor_defaults`), under its argument's name (`config_arguments`). Empty for a
        model class without a config."""
        if cls.config_class is None:
            return {}
        defaults = constructor_defaults(cls.config_class)
        return {cls.config_arguments.get(name, name): value for name, value in defaults.items()}

    @classmethod
    def show_hyperparameters(cls):
        """Gives the class's constructor the signature `help()` and IDEs show: its own
        arguments, with each hyperparameter's default from the config, then every other
        hyperparameter as a keyword argument with its default. Called when the variant is
        registered with its config (`keras_gan.registry.register`)."""
        init = cls.__dict__.get("__init__")
        if init is None or cls.config_class is None:
            return
        defaults = cls.hyperparameter_defaults()
        own = list(_source_signature(init).parameters.values())
        parameters = [p.replace(default=defaults[p.name]) if p.name in defaults else p for p in own]
        names = {p.name for p in own}
        # The variant's own hyperparameters first, then the stabilisers every model shares.
        shared = {f.name for f in dataclasses.fields(AugmentConfig)}
        extra = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=value)
            for name, value in sorted(defaults.items(), key=lambda item: item[0] in shared)
            if name not in names
        ]
        at = next((i for i, p in enumerate(parameters) if p.kind is p.VAR_KEYWORD), len(parameters))
        init.__signature__ = inspect.Signature([*parameters[:at], *extra, *parameters[at:]])

    @classmethod
    def from_train_config(
        cls,
        config,
        sample_shape,
        num_classes=None,
        attribute_names=None,
        attribute_groups=None,
        **networks,
    ):
        """Builds and compiles the model a config describes.

        The config is the one source of the hyperparameters: every field that is also a
        constructor argument is passed under its name (`config_arguments` renames the few
        whose names differ), `sample_shape` as `image_shape` (or `sample_shape`), `num_classes`
        and `attribute_names` and their number (`num_attributes`) where the constructor takes
        them, and the optimizers are `optimizers_from_config(config)` (adjusted for lazy R1/R2
        by `lazy_regularization_optimizers`).

        Args:
            config: the variant's config dataclass instance.
            sample_shape: tuple, the shape of one training sample (the generator's output).
            num_classes: optional int, the dataset's number of classes.
            attribute_names: optional tuple, the dataset's binary attributes (StarGAN's
                domain labels).
            attribute_groups: optional tuple of tuples, the attributes of each dataset of a
                set that joins several (StarGAN's mask vector): their sizes are passed as
                `label_groups`.
            **networks: other constructor arguments the config does not describe, passed as
                they are: networks built by hand in place of the defaults (e.g. U-GAT-IT's
                `discriminator_a=...`). A name the constructor does not take, or one the config
                already sets (change the config instead), is refused.

        Returns:
            The compiled model.
        """
        accepted = cls.constructor_arguments()
        kwargs = {}
        for field in dataclasses.fields(config):
            name = cls.config_arguments.get(field.name, field.name)
            if name in accepted:
                kwargs[name] = getattr(config, field.name)
        for name in ("image_shape", "sample_shape"):
            if name in accepted:
                kwargs[name] = tuple(sample_shape)
        if "num_classes" in accepted and num_classes is not None:
            kwargs["num_classes"] = num_classes
        if "num_attributes" in accepted and attribute_names:
            kwargs["num_attributes"] = len(attribute_names)
        if "attribute_names" in accepted and attribute_names:
            kwargs["attribute_names"] = tuple(attribute_names)
        if "label_groups" in accepted and attribute_groups:
            kwargs["label_groups"] = tuple(len(group) for group in attribute_groups)
        for name in sorted(networks):
            if name not in accepted:
                raise ValueError(
                    f"{cls.__name__} takes no argument {name!r}; it accepts: "
                    f"{', '.join(sorted(accepted))}"
                )
            if name in kwargs:
                raise ValueError(
                    f"{name!r} is already set from the config or the dataset "
                    f"({kwargs[name]!r}); change {type(config).__name__} or the "
                    "from_train_config argument instead"
                )
        model = cls(**kwargs, **networks)
        model.compile(**model.lazy_regularization_optimizers(model.optimizers_from_config(config)))
        return model

    def compile(self, d_optimizer=None, g_optimizer=None, jit_compile="auto", **kwargs):
        """Configures the model for training.

        Pass every optimizer, or none to get the paper's (`default_optimizers()`, with the
        discriminator's adjusted for lazy R1/R2 by `lazy_regularization_optimizers`; optimizers
        you pass are used as they are).

        Args:
            d_optimizer: optimizer (instance or name) of the discriminator.
            g_optimizer: optimizer (instance or name) of the generator.
            jit_compile: bool or `"auto"`. `"auto"` compiles the step with XLA on JAX
                (always) and on TensorFlow when a GPU is present; on a 2-core CPU the
                TensorFlow DCGAN step took 1.24x longer with XLA (`benchmarks/step_time.py`).
                PyTorch runs eagerly. Defaults to `"auto"`.
            **kwargs: `run_eagerly`, `steps_per_execution`, as in `keras.Model.compile`.
        """
        self._compile_optimizers(
            {"d_optimizer": d_optimizer, "g_optimizer": g_optimizer}, jit_compile, **kwargs
        )

    def _compile_optimizers(self, optimizers, jit_compile="auto", **kwargs):
        cls = type(self).__name__
        for name in _FORBIDDEN_COMPILE_ARGS:
            if name in kwargs:
                raise ValueError(
                    f"{cls}.compile() takes one optimizer per network "
                    f"({', '.join(self.optimizer_targets)}) and the objective is the variant's "
                    f"own. Received: {name}={kwargs[name]!r}"
                )
        allowed = {"run_eagerly", "steps_per_execution"}
        unknown = set(kwargs) - allowed
        if unknown:
            raise ValueError(
                f"Unknown {cls}.compile() arguments: {sorted(unknown)}. Accepted: "
                f"{', '.join(list(self.optimizer_targets) + ['jit_compile', *sorted(allowed)])}"
            )
        given = {name: opt for name, opt in optimizers.items() if opt is not None}
        if not given:
            optimizers = self.lazy_regularization_optimizers(self.default_optimizers())
        elif len(given) < len(optimizers):
            missing = [name for name in optimizers if name not in given]
            raise ValueError(
                f"{cls}.compile() needs every optimizer, or none for the paper's defaults. "
                f"Missing: {', '.join(missing)}"
            )
        optimizers = {name: keras.optimizers.get(opt) for name, opt in optimizers.items()}
        self._float32_outputs()
        if self.precision() == "float16":
            optimizers = {
                name: opt
                if isinstance(opt, keras.optimizers.LossScaleOptimizer)
                else keras.optimizers.LossScaleOptimizer(opt)
                for name, opt in optimizers.items()
            }
        if len({id(opt) for opt in optimizers.values()}) < len(optimizers):
            raise ValueError(
                f"{cls}.compile() needs a separate optimizer instance per network; the same "
                "instance was passed twice."
            )
        self._compile_jit = jit_compile
        if jit_compile == "auto":
            jit_compile = backend.default_jit_compile()
        super().compile(optimizer=None, loss=None, jit_compile=jit_compile, **kwargs)
        for name, optimizer in optimizers.items():
            network = getattr(self, self.optimizer_targets[name])
            if not optimizer.built:
                optimizer.build(network.trainable_variables)
            setattr(self, name, optimizer)
        self.optimizer = OptimizerGroup(optimizers)

    def precision(self):
        """`"float32"`, `"bfloat16"` or `"float16"`: what this model's networks compute in.

        Networks built under Keras' `mixed_bfloat16` or `mixed_float16` dtype policy
        (`keras.config.set_dtype_policy`, or `--precision`) compute in the lower precision with
        float32 weights. `compile` then makes each network's output layers compute in float32
        (the losses and penalties see float32, as Keras' mixed-precision guide advises), and for
        float16 wraps each optimizer in a `keras.optimizers.LossScaleOptimizer`.
        """
        names = {layer.dtype_policy.name for layer in self._network_layers()}
        for precision, policy in (("float16", "mixed_float16"), ("bfloat16", "mixed_bfloat16")):
            if policy in names:
                return precision
        return "float32"

    def _network_layers(self):
        def walk(layer):
            yield layer
            for inner in getattr(layer, "layers", ()):
                yield from walk(inner)

        for layer in self.layers:
            yield from walk(layer)

    def _float32_outputs(self):
        # Under a mixed policy each network's last layers compute in float32: the losses, the
        # penalties and everything that meets the data (float32) see float32.
        for network in self.layers:
            for layer in compat.output_layers(network):
                if layer.dtype_policy.name.startswith("mixed_"):
                    layer.dtype_policy = "float32"

    def get_compile_config(self):
        if not getattr(self, "compiled", False):
            return None
        config = {
            name: keras.optimizers.serialize(getattr(self, name)) for name in self.optimizer_targets
        }
        config["jit_compile"] = self._compile_jit
        return config

    def compile_from_config(self, config):
        config = dict(config)
        jit_compile = config.pop("jit_compile", "auto")
        optimizers = {
            name: keras.optimizers.deserialize(config[name]) for name in self.optimizer_targets
        }
        self._compile_optimizers(optimizers, jit_compile)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                # The networks themselves: a reloaded model wraps its discriminator again
                name: keras.saving.serialize_keras_object(
                    augmentation.unwrapped(getattr(self, name))
                )
                for name in self.network_names
            }
        )
        config["seed"] = self.seed
        # The variant's hyperparameters: every constructor argument the model keeps under the
        # same name, so a reloaded model is built with the same values.
        for name in self.hyperparameter_names():
            config[name] = getattr(self, name)
        return config

    def hyperparameter_names(self):
        """The constructor arguments `get_config` saves beyond the base class's: every one the
        model keeps as an attribute of the same name (`self.gp_weight = gp_weight`), the
        networks aside (they are saved whole)."""
        base = {"generator", "discriminator", "log_names", "latent_dim", "latent_distribution",
                "discriminator_steps", "generator_steps", "seed"}  # fmt: skip
        accepted = self.constructor_arguments() - set(self.network_names) - base
        return sorted(name for name in accepted if name in vars(self))

    @classmethod
    def from_config(cls, config):
        # a field added since the file was written: the value it had then, not today's default
        config = {**getattr(cls.config_class, "OLDER_DEFAULTS", {}), **config}
        for name in cls.network_names:
            if isinstance(config.get(name), dict):
                config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)

    # The `.keras` format stores a layer's own variables but not its SeedGenerators' states; a
    # checkpoint must keep them so that a resumed run continues the same random stream.
    def _seed_states(self):
        return compat.seed_states(self)

    def save_own_variables(self, store):
        super().save_own_variables(store)
        for i, state in enumerate(self._seed_states()):
            store[f"seed_state_{i}"] = ops.convert_to_numpy(state)

    def load_own_variables(self, store):
        keys = set(store.keys())
        own = compat.own_variables(self)
        for i, variable in enumerate(own):
            variable.assign(store[str(i)])
        for i, state in enumerate(self._seed_states()):
            if f"seed_state_{i}" in keys:  # files written before seed states were saved lack them
                state.assign(ops.cast(np.asarray(store[f"seed_state_{i}"]), state.dtype))

    # -- A phase before the adversarial one ------------------------------------------------------

    def pending_pretraining_steps(self):
        """Steps of a phase `fit()` runs before the adversarial steps, still to take (0: none).

        SRGAN's MSE pretraining is one; `keras_gan.Run` takes them first, with
        `pretrain(data, steps, verbose=..., callbacks=...)`, and counts them in the run's steps.
        """
        return 0

    # -- Input checks, before anything runs -----------------------------------------------------

    def _check_compiled(self):
        if not getattr(self, "compiled", False):
            raise ValueError(
                f"{type(self).__name__} must be compiled before training: call "
                f"model.compile({', '.join(f'{n}=...' for n in self.optimizer_targets)}) "
                "or model.compile() for the paper's optimizers."
            )
        missing = [n for n in self.optimizer_targets if getattr(self, n, None) is None]
        if missing:
            raise ValueError(f"{type(self).__name__} has no optimizer for: {', '.join(missing)}")

    def check_samples(self, shape, dtype=None, value_range=None, what="images"):
        """Checks a batch's shape, dtype and value range against what the model generates.

        Args:
            shape: shape of a batch, `(batch, ...)`; `None` entries are not checked.
            dtype: optional dtype name of the batch.
            value_range: optional `(min, max)` seen in a batch.
            what: what the samples are, for the messages.

        Raises:
            ValueError: naming the received value and the accepted one.
        """
        expected = self.sample_shape
        got = tuple(shape)[1:]
        if len(got) != len(expected) or any(
            g is not None and g != e for g, e in zip(got, expected)
        ):
            hint = ""
            if len(got) == len(expected) and got[:-1] == expected[:-1]:
                hint = " (grayscale vs RGB? load the dataset with the channels the model has)"
            raise ValueError(
                f"{type(self).__name__} generates {what} of shape {expected}, but the data has "
                f"{what} of shape {got}{hint}. Build the model for the data's shape or resize the "
                "data (`image_size=` in keras_gan.datasets.load)."
            )
        batch = tuple(shape)[0]
        steps = getattr(self, "discriminator_steps", 1)
        accumulation = getattr(self, "accumulation_steps", 1)
        if batch is not None and batch % (steps * accumulation):
            each = (
                ""
                if accumulation == 1
                else f", each accumulated over {accumulation} micro-batches (accumulation_steps)"
            )
            raise ValueError(
                f"{type(self).__name__} makes {steps} discriminator updates per "
                f"step, each on its own minibatch{each}, so the batch size must be a multiple "
                f"of {steps * accumulation}. Received: batch of {batch}"
            )
        if dtype is not None and "float" not in str(dtype):
            raise ValueError(
                f"{what.capitalize()} must be floating point in [-1, 1]. Received: dtype={dtype}"
            )
        if value_range is not None and len(expected) == 3:  # images; 2-D toy points are unbounded
            low, high = value_range
            if low < -1.0 - 1e-3 or high > 1.0 + 1e-3:
                raise ValueError(
                    f"{what.capitalize()} must lie in [-1, 1] (the generator ends in tanh). "
                    f"Received values in [{low:g}, {high:g}]: scale them, e.g. x / 127.5 - 1."
                )

    def _check_data(self, x, batch_size=None):
        """Checks `fit()`'s data against what the model trains on; each kind of model has its own."""

    def fit(self, x=None, y=None, **kwargs):
        self._check_compiled()
        self._checked_data(x if y is None else (x, y), kwargs.get("batch_size"))
        tf = sys.modules.get("tensorflow")
        if tf is not None and isinstance(x, tf.data.Dataset):
            # a dataset is shuffled by its own pipeline (keras_gan.datasets does): Keras' default
            # shuffle=True is ignored for it, with a warning on every fit
            kwargs.setdefault("shuffle", False)
        return super().fit(x, y, **kwargs)

    def train_on_batch(self, x, y=None, **kwargs):
        self._check_compiled()
        # a batch drawn from a tf.data pipeline (`next(iter(dataset))`) holds tf tensors, which
        # the JAX and PyTorch trainers cannot read: hand them NumPy arrays, as fit()'s adapter does
        x, y = (
            None if part is None else keras.tree.map_structure(_to_numpy, part) for part in (x, y)
        )
        data = x if y is None else (x, y)
        self._checked_data(data, batch_size=len(keras.tree.flatten(data)[0]))
        return super().train_on_batch(x, y, **kwargs)

    def _checked_data(self, data, batch_size):
        """`_check_data`, its refusals raised as `DataError` (the run reports them in a line)."""
        try:
            self._check_data(data, batch_size)
        except DataError:
            raise
        except ValueError as error:
            raise DataError(str(error)) from error

    # -- Sampling --------------------------------------------------------------------------------

    def _decode(self, inputs_for, total, batch_size):
        # inside `standing_statistics`' passes the generator runs in training mode, so its
        # batch normalisations gather the statistics of the batches it draws
        standing = getattr(self, "_standing_passes", None) is not None
        outputs = []
        for lo in range(0, total, batch_size):
            hi = min(lo + batch_size, total)
            outputs.append(
                ops.convert_to_numpy(self.generator(inputs_for(lo, hi), training=standing))
            )
            if standing:
                self._standing_passes += 1
        return np.concatenate(outputs, axis=0)


class AdversarialModel(AdversarialBase):
    """A GAN that generates from a latent vector z: the base class of the latent variants.

    Subclasses set `optimizer_targets` (which optimizer trains which network) and
    `log_names` (what `fit` reports), and implement `train_step(self, data)`.

    Args:
        generator: `keras.Model` mapping `(batch, latent_dim)` latents to samples.
        discriminator: `keras.Model` mapping samples to scores or logits.
        latent_dim: int > 0, size of the latent vector z.
        latent_distribution: `"normal"` (N(0, 1)) or `"uniform"` (U(-1, 1)), the prior p(z).
            Defaults to `"normal"`.
        discriminator_steps: int >= 1, discriminator (critic) updates per generator update,
            the paper's k. Each update uses its own minibatch: a batch of `k * m` samples is
            split into k minibatches of m. Defaults to 1.
        generator_steps: int >= 1, generator updates per step, each on fresh noise
            (`generator_updates`). Defaults to 1, as in the papers.
        seed: optional int, seed of the model's `keras.random.SeedGenerator`, from which
            every random draw in `train_step` comes.
        log_names: optional tuple of strings, overriding the class's `log_names`.
        **kwargs: passed to `keras.Model` (e.g. `name`).
    """

    #: What one batch of its data is: images (see `AdversarialBase.data_kind`).
    data_kind = "images"
    #: DiffAugment and ADA apply: the discriminator tells generated images from real ones.
    augmentation_refusal = None
    #: One-sided label smoothing applies wherever the discriminator loss is the cross-entropy.
    label_smoothing_refusal = None
    #: R1/R2 apply: one discriminator scores real and generated samples.
    regularization_refusal = None

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim,
        latent_distribution="normal",
        discriminator_steps=1,
        generator_steps=1,
        seed=None,
        log_names=None,
        **kwargs,
    ):
        check_latent_dim(latent_dim)
        if latent_distribution not in ("normal", "uniform"):
            raise ValueError(
                "`latent_distribution` must be 'normal' or 'uniform'. "
                f"Received: latent_distribution={latent_distribution!r}"
            )
        for name, steps in (("discriminator_steps", discriminator_steps),
                            ("generator_steps", generator_steps)):  # fmt: skip
            if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
                raise ValueError(f"`{name}` must be an integer >= 1. Received: {name}={steps!r}")
        generator_inputs = getattr(generator, "input_shape", None)
        if (
            isinstance(generator_inputs, tuple)
            and generator_inputs
            and generator_inputs[-1] not in (None, latent_dim)
        ):
            raise ValueError(
                f"The generator takes inputs of shape {generator_inputs}, which does not match "
                f"latent_dim={latent_dim}."
            )
        super().__init__(generator, discriminator, seed=seed, log_names=log_names, **kwargs)
        self.latent_dim = int(latent_dim)
        self.latent_distribution = latent_distribution
        self.discriminator_steps = int(discriminator_steps)
        self.generator_steps = int(generator_steps)

    # -- What a variant's train_step uses -------------------------------------------------------

    def sample_latent(self, batch_size, seed=None):
        """Draws `(batch_size, latent_dim)` latents from the prior p(z).

        Args:
            batch_size: int (or scalar tensor), number of latent vectors.
            seed: optional int or `keras.random.SeedGenerator`. Defaults to the model's own
                generator, which is what `train_step` must use.

        Returns:
            Tensor `(batch_size, latent_dim)`.
        """
        seed = self.seed_generator if seed is None else seed
        shape = (batch_size, self.latent_dim)
        if self.latent_distribution == "uniform":
            return keras.random.uniform(shape, minval=-1.0, maxval=1.0, seed=seed)
        return keras.random.normal(shape, seed=seed)

    def generator_updates(self):
        """`range(generator_steps)`: the generator updates of one step, each on fresh noise
        (`train_step` loops over it). One in the papers; two in the DCGAN-tensorflow and
        PacGAN code "to make sure that d_loss does not go to zero". The logged `g_loss` is the
        last update's."""
        object.__setattr__(self, "_generator_updates_taken", True)
        return range(self.generator_steps)

    def minibatches(self, samples):
        """Splits a batch into `discriminator_steps` minibatches, one per discriminator update."""
        if self.discriminator_steps == 1:
            return [samples]
        return ops.split(samples, self.discriminator_steps, axis=0)

    @staticmethod
    def unpack_images(data):
        """The images of a batch: `images`, `(images, ...)` or `{"images": ...}`."""
        if isinstance(data, dict):
            return data["images"]
        if isinstance(data, (tuple, list)):
            return data[0]
        return data

    def generated_discriminator_inputs(self, data):
        """What the discriminator takes for generated samples, as many as the batch's real
        ones (R2 penalises its gradient there): G(z) for fresh z. A model whose generator or
        discriminator takes more than that overrides it."""
        m = ops.shape(self.discriminator_inputs_images(data))[0]
        return self.generator(self.sample_latent(m), training=True)

    def discriminator_inputs_images(self, data):
        """The real images among `discriminator_inputs(data)`."""
        return keras.tree.flatten(self.discriminator_inputs(data))[0]

    def call(self, latents, training=False):
        """A GAN called on latent vectors returns the generator's samples."""
        return self.generator(latents, training=training)

    def get_config(self):
        config = super().get_config()
        config.update(
            latent_dim=self.latent_dim,
            latent_distribution=self.latent_distribution,
            discriminator_steps=self.discriminator_steps,
            generator_steps=self.generator_steps,
        )
        return config

    def _check_data(self, x, batch_size=None):
        """Validates `fit()`'s data: a `tf.data.Dataset`, an array, or a tuple of arrays.

        For arrays, `batch_size` is the batch `fit` will cut (32 when not given, as in Keras).
        """
        # tf.data is only ever passed in when TensorFlow is already imported; checking
        # sys.modules keeps keras_gan usable where TensorFlow is not installed.
        tf = sys.modules.get("tensorflow")
        if tf is not None and isinstance(x, tf.data.Dataset):
            spec = self.unpack_images(x.element_spec)
            first = next(iter(x.take(1)), None)
            if first is None:
                raise ValueError("The dataset passed to fit() is empty.")
            images = np.asarray(self.unpack_images(first))
            self.check_samples(spec.shape, spec.dtype.name, (images.min(), images.max()))
        elif isinstance(x, (np.ndarray, tuple, list, dict)):
            images = np.asarray(self.unpack_images(x))
            if images.ndim == 0 or len(images) == 0:
                raise ValueError(
                    "The data holds no samples: expected at least one image along the first "
                    f"axis. Received: images of shape {images.shape}"
                )
            batch = min(batch_size or 32, len(images))
            divisor = self.discriminator_steps * getattr(self, "accumulation_steps", 1)
            if len(images) % batch and len(images) % batch % divisor:
                batch = len(images) % batch  # the last, smaller batch must split too
            self.check_samples(
                (batch, *images.shape[1:]), images.dtype.name, (images.min(), images.max())
            )

    # -- Sampling --------------------------------------------------------------------------------

    def generate(self, num_samples=None, latents=None, seed=None, batch_size=256, **conditions):
        """Samples from the generator.

        Args:
            num_samples: int, how many samples to draw with fresh latents. Ignored when
                `latents` is given.
            latents: optional array `(n, latent_dim)` of latent vectors to decode.
            seed: optional int, seed of the fresh latents (does not touch the training
                random stream).
            batch_size: int, generator batch size. Defaults to 256.
            **conditions: none for an unconditional model; conditional variants take
                `labels=` (cgan, acgan) or `codes=` (infogan).
            ema: bool, keyword only, added to every model's `generate` by `AdversarialBase`:
                with a generator EMA (`ema_decay=` or `ema_half_life=`), sample from the
                averaged weights (`True`) or from the generator's own (`False`). Defaults to
                `True`.

        Returns:
            numpy array `(n, *sample_shape)`, in [-1, 1] for image models.

        Raises:
            ValueError: conditions (e.g. `labels=`) given to an unconditional model.
        """
        if conditions:
            raise ValueError(
                f"{type(self).__name__} is unconditional: generate() takes no "
                f"{', '.join(sorted(conditions))}. Label-conditioned variants: ConditionalGAN "
                "(cgan), ACGAN (acgan). Received: "
                + ", ".join(f"{k}={repr(v)[:60]}" for k, v in sorted(conditions.items()))
            )
        latents = self._latents(num_samples, latents, seed)
        return self._decode(lambda lo, hi: latents[lo:hi], len(latents), batch_size)

    def truncated_latents(self, num_samples, truncation, seed=0):
        r"""Latents for the truncation trick: the prior p(z) with every value of magnitude above
        `truncation` drawn again, until none is (BigGAN, Brock et al. 2019, section 3.1).

        $$z_i \sim p(z_i \mid |z_i| \le \psi)$$

        Smaller $\psi$ trades variety for fidelity: the samples stay near the mode the
        generator learned best. Pass them to any model's `generate(latents=...)`; the draws come
        from NumPy with `seed`, not from the model's training stream.

        Args:
            num_samples: int > 0.
            truncation: float $\psi > 0$ (BigGAN's figures use 0.04 to 2). Above 1 a uniform
                prior is unchanged.
            seed: int, seed of the draws. Defaults to 0.

        Returns:
            numpy float32 array `(num_samples, latent_dim)`, every value in
            $[-\psi, \psi]$.

        Example:

        >>> z = model.truncated_latents(16, truncation=0.5)  # doctest: +SKIP
        >>> images = model.generate(latents=z)  # doctest: +SKIP

        Reference: https://arxiv.org/abs/1809.11096 (section 3.1)
        """
        if (
            isinstance(num_samples, bool)
            or not isinstance(num_samples, (int, np.integer))
            or (num_samples <= 0)
        ):
            raise ValueError(
                f"`num_samples` must be a positive integer. Received: num_samples={num_samples!r}"
            )
        if (
            isinstance(truncation, bool)
            or not isinstance(truncation, (int, float, np.floating, np.integer))
            or not np.isfinite(truncation)
            or truncation <= 0
        ):
            raise ValueError(
                "`truncation` must be a finite number > 0 (BigGAN: 0.04 to 2). "
                f"Received: truncation={truncation!r}"
            )
        rng = np.random.default_rng(seed)

        def draw(shape):
            if self.latent_distribution == "uniform":
                return rng.uniform(-1.0, 1.0, shape)
            return rng.standard_normal(shape)

        latents = draw((int(num_samples), self.latent_dim))
        outside = np.abs(latents) > truncation
        while outside.any():  # redraw only the values outside [-psi, psi]
            latents[outside] = draw(int(outside.sum()))
            outside = np.abs(latents) > truncation
        return latents.astype("float32")

    def _latents(self, num_samples, latents, seed):
        if latents is None:
            if num_samples is None or int(num_samples) <= 0:
                raise ValueError(
                    "generate() needs `num_samples` > 0 or explicit `latents`. "
                    f"Received: num_samples={num_samples!r}"
                )
            seed = seed if seed is not None else int(np.random.randint(2**31 - 1))
            return ops.convert_to_numpy(self.sample_latent(int(num_samples), seed=seed))
        latents = np.asarray(latents, dtype="float32")
        if latents.ndim != 2 or latents.shape[1] != self.latent_dim:
            raise ValueError(
                f"`latents` must have shape (n, {self.latent_dim}). Received: {latents.shape}"
            )
        return latents


class TranslationModel(AdversarialBase):
    """A conditional GAN from input images to output images, with no latent z.

    The base of pix2pix (aligned pairs), CycleGAN (unpaired domains) and SRGAN (low- to
    high-resolution pairs). Its generator maps a source image to a target image; randomness,
    where a model has any, comes from dropout or noise inside the networks. `fit` checks
    the pairs with `_check_data` (`keras_gan.pairs.check_pair_data`), and a batch is unpacked
    by `keras_gan.pairs.unpack_pair`.

    Args:
        generator: `keras.Model` from source images to target images.
        discriminator: `keras.Model` scoring target images (or (source, target) pairs).
        seed: optional int, seed of the model's `keras.random.SeedGenerator`.
        log_names: optional tuple of strings, overriding the class's `log_names`.
        **kwargs: passed to `keras.Model` (e.g. `name`).
    """

    #: What one batch of its data is: `(source, target)` pairs (see `AdversarialBase`).
    data_kind = "paired"
    augmentation_refusal = (
        "DiffAugment and ADA were defined and measured for generating images from a latent "
        "with little data; a translation model's discriminator judges an output against its "
        "source (pix2pix, CycleGAN's cycle, SRGAN's content loss), which the augmentation "
        "would have to transform alike"
    )
    #: The latent-model arguments that `.keras` files written before translation models had
    #: their own base class carry in their config; `from_config` drops them.
    _LEGACY_ARGUMENTS = ("latent_dim", "latent_distribution", "discriminator_steps")

    @property
    def source_shape(self):
        """Shape of one source image, e.g. `(32, 32, 1)`."""
        return tuple(self.generator.input_shape[1:])

    @property
    def pair_shapes(self):
        """The shapes of one source and one target image."""
        return self.source_shape, self.sample_shape

    def call(self, source_images, training=False):
        """A translation model called on source images returns the generator's images."""
        return self.generator(source_images, training=training)

    @classmethod
    def from_config(cls, config):
        config = {k: v for k, v in config.items() if k not in cls._LEGACY_ARGUMENTS}
        return super().from_config(config)


class JointNetworks:
    """Several networks trained by one optimizer, seen as one by `minimize`: their trainable
    variables (CycleGAN's two generators; GAN-INT-CLS's discriminator and text encoder)."""

    def __init__(self, *networks):
        self.networks = networks

    @property
    def trainable_variables(self):
        return [v for network in self.networks for v in network.trainable_variables]
