"""Reference checks for the assignments, one list per graded definition.

A check receives the student's object (a function, or the class whose method is graded) and
either returns (passed; optionally a short note) or raises `CheckFailure` with a message that
says what was expected, what came back and what to look at. Checks compare with
`keras_gan.losses`/`keras_gan.models` or with hand values on fixed tensors, so they run on any
backend in a fraction of a second (no dataset, no training run longer than one step).

The grader finds checks by the graded definition's name (the last part of a qualified name:
`MyGAN.train_step` -> `train_step`). A check with `points=0` is advice: reported, not scored.
"""

import dataclasses
import inspect

import numpy as np

CHECKS = {}


class CheckFailure(Exception):
    """A check's verdict: the student's code ran but gave the wrong result."""


@dataclasses.dataclass
class Check:
    target: str  # name of the graded definition
    name: str  # short title, unique per target
    points: int
    function: object

    @property
    def id(self):
        return f"{self.target}:{self.name}"


def check(*targets, name, points=1):
    """Registers a check for every definition name in `targets`."""

    def register(function):
        for target in targets:
            CHECKS.setdefault(target, []).append(Check(target, name, points, function))
        return function

    return register


def checks_for(qualname):
    """The checks of a graded definition, looked up by the last part of its name."""
    return CHECKS.get(qualname.split(".")[-1], [])


def find(check_id):
    target, _, name = check_id.partition(":")
    for item in CHECKS.get(target, []):
        if item.name == name:
            return item
    raise KeyError(check_id)


# -- helpers ---------------------------------------------------------------------------------------


def _tensor(values):
    from keras import ops

    return ops.convert_to_tensor(np.asarray(values, dtype="float32"))


def _number(value, what):
    """A Python float from a scalar tensor, or a CheckFailure saying what came back instead."""
    from keras import ops

    if value is None:
        raise CheckFailure(f"{what} returned None: did you forget the `return`?")
    try:
        array = np.asarray(ops.convert_to_numpy(value), dtype="float64")
    except Exception as error:  # noqa: BLE001 - anything that is not a tensor
        raise CheckFailure(f"{what} returned {type(value).__name__}, not a tensor") from error
    if array.size != 1:
        raise CheckFailure(
            f"{what} returned a tensor of shape {array.shape}, expected a scalar: take the "
            "mean over the batch (ops.mean)"
        )
    return float(array.reshape(()))


def _close(got, expected):
    return np.isfinite(got) and abs(got - expected) <= 1e-4 + 1e-4 * abs(expected)


def _compare(what, got, expected, context, diagnoses=()):
    """Passes if `got` matches `expected`; otherwise fails naming the likely mistake."""
    if _close(got, expected):
        return
    message = f"{what}: {context} expected {expected:.6g}, got {got:.6g}"
    if not np.isfinite(got):
        message += (
            " - not finite: the inputs are logits, not probabilities; use "
            "softplus (-log sigmoid(t) = softplus(-t)) rather than log(sigmoid(t))"
        )
    else:
        for value, hint in diagnoses:
            if _close(got, value):
                message += f" - {hint}"
                break
    raise CheckFailure(message)


# -- 01: the GAN losses ----------------------------------------------------------------------------

_REAL = [[2.0], [-1.0], [0.5], [3.0]]
_FAKE = [[-3.0], [0.0], [1.5], [-2.0]]


def _softplus(x):
    return np.logaddexp(0.0, np.asarray(x, dtype="float64"))


@check("discriminator_loss", name="value", points=2)
def discriminator_loss_value(fn):
    real, fake = np.asarray(_REAL), np.asarray(_FAKE)
    got = _number(fn(_tensor(real), _tensor(fake)), "discriminator_loss")
    expected = _softplus(-real).mean() + _softplus(fake).mean()
    _compare(
        "discriminator_loss", got, expected, "on fixed logits (the checks cell's)",
        [
            (-expected, "check the sign: the discriminator minimises "
             "-log sigmoid(D(x)) - log(1 - sigmoid(D(G(z))))"),
            (_softplus(-fake).mean() + _softplus(real).mean(),
             "real and fake are swapped: real samples are class 1, generated ones class 0"),
            (_softplus(-real).mean(), "the fake term -log(1 - sigmoid(D(G(z)))) is missing"),
            (_softplus(fake).mean(), "the real term -log sigmoid(D(x)) is missing"),
            (4 * expected, "use the mean over the batch, not the sum"),
            (expected / 2, "the two terms are added, not averaged"),
        ],
    )


@check("discriminator_loss", name="large logits")
def discriminator_loss_stable(fn):
    real, fake = np.asarray([[-100.0], [50.0]]), np.asarray([[100.0], [-50.0]])
    got = _number(fn(_tensor(real), _tensor(fake)), "discriminator_loss")
    expected = _softplus(-real).mean() + _softplus(fake).mean()
    _compare("discriminator_loss", got, expected, "for logits of +-100")


@check("generator_loss", name="value", points=2)
def generator_loss_value(fn):
    fake = np.asarray(_FAKE)
    got = _number(fn(_tensor(fake)), "generator_loss")
    expected = _softplus(-fake).mean()
    _compare(
        "generator_loss", got, expected, "on fixed logits (the checks cell's)",
        [
            (-expected, "check the sign: the generator minimises -log sigmoid(D(G(z)))"),
            (-_softplus(fake).mean(), "that is the saturating minimax loss log(1 - sigmoid(t)); "
             "the exercise asks for the non-saturating -log sigmoid(t)"),
            (_softplus(fake).mean(), "that is the discriminator's fake term; the generator wants "
             "its samples called real: -log sigmoid(t) = softplus(-t)"),
            (4 * expected, "use the mean over the batch, not the sum"),
        ],
    )


@check("generator_loss", name="large logits")
def generator_loss_stable(fn):
    fake = np.asarray([[-200.0], [50.0]])
    got = _number(fn(_tensor(fake)), "generator_loss")
    _compare("generator_loss", got, _softplus(-fake).mean(), "for logits of -200 and 50")


# -- 04: the gradient penalty ----------------------------------------------------------------------

_SAMPLE_SHAPE = (4, 2, 2, 1)  # 4 samples; per-sample norms must reduce over every other axis


def _call_penalty(fn, critic, real, fake, epsilon):
    """Calls `fn` whatever it names its arguments; `epsilon` only if it takes one."""
    parameters = [
        p for p in inspect.signature(fn).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    arguments = [critic, real, fake]
    if len(parameters) >= 4:
        arguments.append(epsilon)
    return fn(*arguments)


def _takes_epsilon(fn):
    return len(inspect.signature(fn).parameters) >= 4


def _linear_critic(w):
    from keras import ops

    # f(x) = <flatten(x), w>: its input gradient is w everywhere, with norm ||w||
    return lambda x: ops.matmul(ops.reshape(x, (ops.shape(x)[0], -1)), ops.reshape(w, (-1, 1)))


def _penalty_inputs(seed=0):
    rng = np.random.default_rng(seed)
    real = rng.normal(size=_SAMPLE_SHAPE).astype("float32")
    fake = rng.normal(size=_SAMPLE_SHAPE).astype("float32")
    epsilon = rng.uniform(size=(_SAMPLE_SHAPE[0],) + (1,) * (len(_SAMPLE_SHAPE) - 1))
    return real, fake, epsilon.astype("float32")


def _direction(norm):
    w = np.ones(int(np.prod(_SAMPLE_SHAPE[1:])), dtype="float32")
    return w * (norm / np.linalg.norm(w))


@check("gradient_penalty", name="linear critic", points=2)
def gradient_penalty_linear(fn):
    real, fake, epsilon = _penalty_inputs()
    n = _SAMPLE_SHAPE[0]
    for norm in (3.0, 0.5):
        critic = _linear_critic(_tensor(_direction(norm)))
        got = _number(
            _call_penalty(fn, critic, _tensor(real), _tensor(fake), _tensor(epsilon)),
            "gradient_penalty",
        )
        expected = (norm - 1.0) ** 2
        _compare(
            "gradient_penalty", got, expected,
            f"for a linear critic with ||w|| = {norm:g} (gradient norm {norm:g} everywhere)",
            [
                (-expected, "check the sign: the penalty (||grad|| - 1)^2 is never negative"),
                (0.0, "the paper's penalty is two-sided: (||grad|| - 1)^2 also when the norm "
                 "is below 1"),
                (norm - 1.0, "square the distance to 1: (||grad|| - 1)^2"),
                (1.0 - norm, "square the distance to 1: (||grad|| - 1)^2"),
                ((norm**2 - 1.0) ** 2, "take the square root: the norm, not the squared norm"),
                (norm**2, "penalise the distance to 1: (||grad|| - 1)^2, not ||grad||^2"),
                ((norm * np.sqrt(n) - 1.0) ** 2,
                 "take one norm per sample (reduce over every axis but the batch axis)"),
                (n * expected, "average over the batch, not sum"),
                (abs(norm - 1.0), "square the distance to 1: (||grad|| - 1)^2"),
            ],
        )


@check("gradient_penalty", name="interpolates")
def gradient_penalty_interpolates(fn):
    from keras import ops

    from keras_gan import losses

    if not _takes_epsilon(fn):
        return "skipped: this gradient_penalty draws its own epsilon"
    real, fake, epsilon = _penalty_inputs(1)

    def critic(x):
        # f(x) = sum(x^2) / 2 per sample: its gradient is x itself, so the norm depends on where
        # the penalty is taken
        return 0.5 * ops.sum(ops.square(ops.reshape(x, (ops.shape(x)[0], -1))), axis=1)

    def reference(eps):
        return _number(losses.gradient_penalty(critic, _tensor(real), _tensor(fake),
                                               _tensor(eps.reshape(-1))), "reference")

    got = _number(_call_penalty(fn, critic, _tensor(real), _tensor(fake), _tensor(epsilon)),
                  "gradient_penalty")
    _compare(
        "gradient_penalty", got, reference(epsilon),
        "for the critic f(x) = ||x||^2 / 2 (gradient x) on fixed samples and epsilon",
        [
            (reference(1.0 - epsilon), "epsilon weights the wrong end: "
             "x_hat = epsilon * real + (1 - epsilon) * fake"),
            (reference(np.ones_like(epsilon)), "the penalty is taken at the real samples; "
             "take it at the interpolates x_hat = epsilon * real + (1 - epsilon) * fake"),
            (reference(np.zeros_like(epsilon)), "the penalty is taken at the generated samples; "
             "take it at the interpolates x_hat = epsilon * real + (1 - epsilon) * fake"),
        ],
    )


def _gradient_wrt(function, w):
    """d function(w) / d w on the active backend (the penalty's second-order gradient), or
    None where the student's value does not depend on w differentiably."""
    from keras import ops

    from keras_gan import backend

    try:
        gradient = backend.input_gradients(function, ops.convert_to_tensor(w))
    except (RuntimeError, AttributeError, TypeError):  # not a differentiable tensor of w
        return None
    if gradient is None:
        return None
    return np.asarray(ops.convert_to_numpy(ops.stop_gradient(gradient)))


@check("gradient_penalty", name="differentiable")
def gradient_penalty_differentiable(fn):
    real, fake, epsilon = _penalty_inputs(2)
    w0 = _direction(3.0)

    def penalty(w):
        return _call_penalty(fn, _linear_critic(w), _tensor(real), _tensor(fake), _tensor(epsilon))

    _number(penalty(_tensor(w0)), "gradient_penalty")
    gradient = _gradient_wrt(penalty, w0)
    # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w||
    expected = 2.0 * (3.0 - 1.0) * w0 / 3.0
    if gradient is None or not np.any(gradient):
        raise CheckFailure(
            "gradient_penalty: no gradient reaches the critic's weights - the penalty must stay "
            "differentiable: compute the input gradients with keras_gan.backend.input_gradients "
            "and don't wrap them (or the norm) in ops.stop_gradient"
        )
    if not np.allclose(gradient, expected, rtol=1e-3, atol=1e-4):
        raise CheckFailure(
            "gradient_penalty: the gradient with respect to the critic's weights is wrong "
            f"(||w|| = 3: expected norm {np.linalg.norm(expected):.4g}, got "
            f"{np.linalg.norm(gradient):.4g}) - is part of the penalty inside ops.stop_gradient?"
        )


# -- 02: a GAN train_step --------------------------------------------------------------------------

_RUNS = {}  # one training step per graded class, shared by its checks


def _probe_class():
    import keras

    class TrainingProbe(keras.layers.Layer):
        """Identity layer recording the `training` flag it is called with."""

        calls = []

        def call(self, inputs, training=None):
            TrainingProbe.calls.append((self.name, training))
            return inputs

    return TrainingProbe


def _tiny_networks(probe):
    import keras

    init = keras.initializers.RandomNormal(stddev=0.5, seed=1)
    z = keras.Input((2,))
    h = keras.layers.Dense(8, activation="tanh", kernel_initializer=init)(z)
    h = probe(name="generator_probe")(h)
    generator = keras.Model(z, keras.layers.Dense(2, kernel_initializer=init)(h), name="generator")
    x = keras.Input((2,))
    h = keras.layers.Dense(8, activation="tanh", kernel_initializer=init)(x)
    h = probe(name="discriminator_probe")(h)
    discriminator = keras.Model(
        x, keras.layers.Dense(1, kernel_initializer=init)(h), name="discriminator"
    )
    return generator, discriminator


def _model_class(target):
    from keras_gan.adversarial import AdversarialModel
    from keras_gan.models import GAN

    if isinstance(target, type):
        if not issubclass(target, AdversarialModel):
            raise CheckFailure(f"{target.__name__} must subclass keras_gan.AdversarialModel")
        return target
    # a bare train_step(self, data): attach it to the package's GAN
    return type("StudentGAN", (GAN,), {"train_step": target})


def _one_step(target):
    """Runs one train step of the student's model and the reference GAN from the same state."""
    key = id(target)
    if key in _RUNS:
        return _RUNS[key]
    import keras
    from keras import ops

    from keras_gan.models import GAN

    probe = _probe_class()
    networks = _tiny_networks(probe)
    reference_networks = _tiny_networks(probe)
    for mine, theirs in zip(networks, reference_networks):
        theirs.set_weights(mine.get_weights())
    cls = _model_class(target)
    model = cls(networks[0], networks[1], latent_dim=2, seed=7)
    reference = GAN(reference_networks[0], reference_networks[1], latent_dim=2, seed=7)
    for m in (model, reference):
        # eager: a single step does not repay XLA compilation
        m.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1),
                  jit_compile=False)
    rng = np.random.default_rng(0)
    real = (rng.normal(size=(64, 2)) * 0.3 + 1.5).astype("float32")  # data far from G's
    z = rng.normal(size=(512, 2)).astype("float32")
    g_before = [w.copy() for w in model.generator.get_weights()]
    d_before = [w.copy() for w in model.discriminator.get_weights()]
    fake_before = ops.convert_to_numpy(model.generator(z, training=False))

    def d_loss(discriminator, fake):
        real_logits = ops.convert_to_numpy(discriminator(real, training=False)).astype("float64")
        fake_logits = ops.convert_to_numpy(discriminator(fake, training=False)).astype("float64")
        return _softplus(-real_logits).mean() + _softplus(fake_logits).mean()

    d_loss_before = d_loss(model.discriminator, fake_before)
    probe.calls.clear()
    error = None
    try:
        logs = model.train_on_batch(real, return_dict=True)
    except Exception as caught:  # noqa: BLE001 - reported by every check of this step
        error, logs = caught, {}
    calls = list(probe.calls)
    reference_logs = reference.train_on_batch(real, return_dict=True)
    run = {
        "error": error,
        "logs": {k: float(np.asarray(ops.convert_to_numpy(v))) for k, v in logs.items()},
        "reference_logs": {k: float(np.asarray(ops.convert_to_numpy(v)))
                           for k, v in reference_logs.items()},
        "calls": calls,
        "model": model,
        "reference": reference,
        "g_before": g_before,
        "d_before": d_before,
        "d_loss_before": d_loss_before,
        "d_loss_after": None if error else d_loss(model.discriminator, fake_before),
        # the generator's loss against the updated discriminator, before and after its update
        "g_loss_before": None,
        "g_loss_after": None,
    }
    if error is None:
        fake_after = ops.convert_to_numpy(model.generator(z, training=False))
        for name, fake in (("g_loss_before", fake_before), ("g_loss_after", fake_after)):
            logits = ops.convert_to_numpy(model.discriminator(fake, training=False))
            run[name] = _softplus(-logits.astype("float64")).mean()
    _RUNS[key] = run
    return run


def _ran(target):
    run = _one_step(target)
    if run["error"] is not None:
        raise run["error"]  # the grader turns it into a message naming the student's line
    return run


def _changed(before, after):
    return any(not np.allclose(a, b) for a, b in zip(before, after))


@check("train_step", name="runs")
def train_step_runs(target):
    logs = _ran(target)["logs"]
    missing = [name for name in ("d_loss", "g_loss") if name not in logs]
    if missing:
        raise CheckFailure(
            f"train_step: the logs have {sorted(logs)}, missing {missing} - end with "
            "`return self.update_logs(d_loss=..., g_loss=...)`"
        )
    bad = {k: v for k, v in logs.items() if not np.isfinite(v)}
    if bad:
        raise CheckFailure(f"train_step: losses not finite after one step: {bad}")


@check("train_step", name="updates both networks")
def train_step_updates(target):
    run = _ran(target)
    model = run["model"]
    if not _changed(run["d_before"], model.discriminator.get_weights()):
        raise CheckFailure(
            "train_step: the discriminator's weights did not change - call "
            "self.minimize(d_loss_fn, self.discriminator, self.d_optimizer)"
        )
    if not _changed(run["g_before"], model.generator.get_weights()):
        raise CheckFailure(
            "train_step: the generator's weights did not change - call "
            "self.minimize(g_loss_fn, self.generator, self.g_optimizer)"
        )


@check("train_step", name="discriminator learns")
def train_step_discriminator_learns(target):
    run = _ran(target)
    before, after = run["d_loss_before"], run["d_loss_after"]
    if not after < before:
        raise CheckFailure(
            f"train_step: after one step the discriminator's loss on the batch rose "
            f"({before:.4f} -> {after:.4f}) - it must minimise -log D(x) - log(1 - D(G(z))): "
            "check the sign and that real and fake are not swapped"
        )


@check("train_step", name="generator learns")
def train_step_generator_learns(target):
    run = _ran(target)
    before, after = run["g_loss_before"], run["g_loss_after"]
    if not after < before:
        raise CheckFailure(
            f"train_step: the generator's update made its samples look less real to the "
            f"updated discriminator (-log D(G(z)): {before:.4f} -> {after:.4f}) - the generator "
            "minimises -log D(G(z)): check the sign of its loss"
        )


@check("train_step", name="training=True")
def train_step_training_flag(target):
    calls = _ran(target)["calls"]
    for network in ("generator", "discriminator"):
        flags = [flag for name, flag in calls if name == f"{network}_probe"]
        if not flags:
            raise CheckFailure(f"train_step: the {network} was never called")
        if any(flag is not True for flag in flags):
            raise CheckFailure(
                f"train_step: the {network} was called without training=True - pass "
                f"`training=True` inside train_step (Dropout and BatchNorm behave differently)"
            )


@check("train_step", name="matches keras_gan.models.GAN", points=2)
def train_step_matches_reference(target):
    run = _ran(target)
    model, reference = run["model"], run["reference"]
    for name in ("d_loss", "g_loss"):
        got, expected = run["logs"].get(name), run["reference_logs"][name]
        if got is None or not _close(got, expected):
            raise CheckFailure(
                f"train_step: one step from the same weights and seed: {name} expected "
                f"{expected:.6g} (keras_gan.models.GAN), got {got} - draw a fresh z with "
                "self.sample_latent for the discriminator step, then another for the generator "
                "step, and use the non-saturating generator loss"
            )
    for network in ("discriminator", "generator"):
        mine = getattr(model, network).get_weights()
        theirs = getattr(reference, network).get_weights()
        if any(not np.allclose(a, b, rtol=1e-4, atol=1e-5) for a, b in zip(mine, theirs)):
            raise CheckFailure(
                f"train_step: the losses match keras_gan.models.GAN but the updated {network} "
                "weights do not - update the discriminator first, then the generator"
            )


@check("train_step", name="stop_gradient (advice)", points=0)
def train_step_detaches(target):
    source = getattr(target, "__student_source__", None)  # set by the grader's worker
    if source is None:
        return "skipped: source not available"
    if "stop_gradient" not in source:
        raise CheckFailure(
            "train_step: no ops.stop_gradient on the generated samples in the discriminator "
            "step - the result is the same (only the discriminator's weights are updated) but "
            "the backward pass runs through the generator for nothing"
        )
