"""Reference checks for the assignments: the grader's side, which never runs student code.

Each graded definition is a `Piece`: the inputs it is evaluated on (chosen here, with the shapes
and dtypes its docstring states), the package functions it must not delegate to, and a list of
`Check`s. The grader computes every reference value in its own process *before* the student's
code runs, sends the inputs to a sandboxed worker (`_worker.py`) that calls the student's code
and returns only the outputs, and each check's `verdict` compares those outputs with the
reference here: it returns (passed; optionally a short note) or raises `CheckFailure` with what
was expected, what came back and the likely mistake. A check lists the checks it `needs`: when
one of those fails, it is reported as skipped rather than as a second, misleading hint.

The grader finds a piece by the graded definition's name (the last part of a qualified name:
`MyGAN.train_step` -> `train_step`). A check with `points=0` is advice: reported, not scored.
"""

import dataclasses

import numpy as np

from keras_gan.assignments import _protocol

CHECKS = {}
PIECES = {}


class CheckFailure(Exception):
    """A check's verdict: the student's code ran but gave the wrong result."""


class Skip(Exception):  # noqa: N818 - a verdict, not an error
    """A check that cannot say anything because an earlier one failed (its name)."""


@dataclasses.dataclass
class Check:
    target: str  # name of the graded definition
    name: str  # short title, unique per target
    points: int
    function: object  # verdict(run) with run = {"results", "reference", "source"}
    needs: tuple = ()

    @property
    def id(self):
        return f"{self.target}:{self.name}"


@dataclasses.dataclass
class Piece:
    target: str
    reference: object  # () -> {"probes": [...], ...}: the inputs and the expected values
    forbidden: tuple  # the package's own implementations of the same thing
    _cache: dict = dataclasses.field(default_factory=dict)

    def expected(self):
        """The reference, computed once per process (and per Keras backend)."""
        if "value" not in self._cache:
            self._cache["value"] = self.reference()
        return self._cache["value"]


def check(*targets, name, points=1, needs=()):
    """Registers a check for every definition name in `targets`."""

    def register(function):
        for target in targets:
            CHECKS.setdefault(target, []).append(Check(target, name, points, function, needs))
        return function

    return register


def piece(target, forbidden=()):
    """Registers the function computing a piece's inputs and reference values."""

    def register(function):
        PIECES[target] = Piece(target, function, tuple(forbidden))
        return function

    return register


def checks_for(qualname):
    """The checks of a graded definition, looked up by the last part of its name."""
    return CHECKS.get(qualname.split(".")[-1], [])


def piece_for(qualname):
    return PIECES.get(qualname.split(".")[-1])


def find(check_id):
    target, _, name = check_id.partition(":")
    for item in CHECKS.get(target, []):
        if item.name == name:
            return item
    raise KeyError(check_id)


# -- helpers ---------------------------------------------------------------------------------------


def _array(values):
    return _protocol.encode(np.asarray(values, dtype="float32"))


def _result(run, index):
    """The decoded output of probe `index`, or a CheckFailure with the student's error."""
    result = run["results"][index]
    if "error" in result:
        raise CheckFailure(str(result["error"]))
    return result


def _number(run, index, what, hint="take the mean over the batch (ops.mean)"):
    """A Python float from a scalar output, or a CheckFailure saying what came back instead."""
    array = np.asarray(_protocol.decode(_result(run, index)["value"]), dtype="float64")
    if array.size != 1:
        raise CheckFailure(
            f"{what} returned a tensor of shape {array.shape}, expected a scalar: {hint}"
        )
    return float(array.reshape(()))


def _close(got, expected):
    return bool(np.isfinite(got)) and abs(got - expected) <= 1e-4 + 1e-4 * abs(expected)


_NOT_FINITE = (
    "not finite: the inputs are logits, not probabilities; use "
    "softplus (-log sigmoid(t) = softplus(-t)) rather than log(sigmoid(t))"
)


def _compare(what, got, expected, context, diagnoses=(), not_finite=_NOT_FINITE):
    """Passes if `got` matches `expected`; otherwise fails naming the likely mistake."""
    if _close(got, expected):
        return
    message = f"{what}: {context} expected {expected:.6g}, got {got:.6g}"
    if not np.isfinite(got):
        message += f" - {not_finite}"
    else:
        for value, hint in diagnoses:
            if _close(got, value):
                message += f" - {hint}"
                break
    raise CheckFailure(message)


def _softplus(x):
    return np.logaddexp(0.0, np.asarray(x, dtype="float64"))


def _show(values):
    return "[" + ", ".join(f"{v:g}" for v in np.asarray(values).reshape(-1)) + "]"


# -- 01: the GAN losses ----------------------------------------------------------------------------
# Docstrings: logits are tensors (batch, 1); the result is a scalar tensor.

_REAL = np.asarray([[2.0], [-1.0], [0.5], [3.0]])
_FAKE = np.asarray([[-3.0], [0.0], [1.5], [-2.0]])
_REAL_LARGE, _FAKE_LARGE = np.asarray([[-100.0], [50.0]]), np.asarray([[100.0], [-50.0]])
_FAKE_EXTREME = np.asarray([[-200.0], [50.0]])
_LOGITS = f"on the logits real = {_show(_REAL)}, fake = {_show(_FAKE)} (shape (4, 1))"
_LOSSES_01 = (
    "keras_gan.losses.minimax_discriminator_loss",
    "keras_gan.losses.minimax_generator_loss",
    "keras_gan.losses.non_saturating_generator_loss",
)


@piece("discriminator_loss", forbidden=_LOSSES_01)
def _discriminator_loss_reference():
    return {
        "probes": [
            {"op": "call", "args": [_array(_REAL), _array(_FAKE)]},
            {"op": "call", "args": [_array(_REAL_LARGE), _array(_FAKE_LARGE)]},
        ],
        "value": _softplus(-_REAL).mean() + _softplus(_FAKE).mean(),
        "large": _softplus(-_REAL_LARGE).mean() + _softplus(_FAKE_LARGE).mean(),
    }


@check("discriminator_loss", name="value", points=2)
def discriminator_loss_value(run):
    got = _number(run, 0, "discriminator_loss")
    expected = run["reference"]["value"]
    real, fake = _REAL, _FAKE
    _compare(
        "discriminator_loss",
        got,
        expected,
        _LOGITS,
        [
            (
                -expected,
                "check the sign: the discriminator minimises "
                "-log sigmoid(D(x)) - log(1 - sigmoid(D(G(z))))",
            ),
            (
                _softplus(-fake).mean() + _softplus(real).mean(),
                "real and fake are swapped: real samples are class 1, generated ones class 0",
            ),
            (_softplus(-real).mean(), "the fake term -log(1 - sigmoid(D(G(z)))) is missing"),
            (_softplus(fake).mean(), "the real term -log sigmoid(D(x)) is missing"),
            (4 * expected, "use the mean over the batch, not the sum"),
            (expected / 2, "the two terms are added, not averaged"),
        ],
    )


@check("discriminator_loss", name="large logits", needs=("value",))
def discriminator_loss_stable(run):
    got = _number(run, 1, "discriminator_loss")
    _compare("discriminator_loss", got, run["reference"]["large"], "for logits of +-100 and +-50")


@piece("generator_loss", forbidden=_LOSSES_01)
def _generator_loss_reference():
    return {
        "probes": [
            {"op": "call", "args": [_array(_FAKE)]},
            {"op": "call", "args": [_array(_FAKE_EXTREME)]},
        ],
        "value": _softplus(-_FAKE).mean(),
        "large": _softplus(-_FAKE_EXTREME).mean(),
    }


@check("generator_loss", name="value", points=2)
def generator_loss_value(run):
    got = _number(run, 0, "generator_loss")
    expected = run["reference"]["value"]
    fake = _FAKE
    _compare(
        "generator_loss",
        got,
        expected,
        f"on the logits fake = {_show(_FAKE)} (shape (4, 1))",
        [
            (-expected, "check the sign: the generator minimises -log sigmoid(D(G(z)))"),
            (
                -_softplus(fake).mean(),
                "that is the saturating minimax loss log(1 - sigmoid(t)); "
                "the exercise asks for the non-saturating -log sigmoid(t)",
            ),
            (
                _softplus(fake).mean(),
                "that is the discriminator's fake term; the generator wants "
                "its samples called real: -log sigmoid(t) = softplus(-t)",
            ),
            (4 * expected, "use the mean over the batch, not the sum"),
        ],
    )


@check("generator_loss", name="large logits", needs=("value",))
def generator_loss_stable(run):
    got = _number(run, 1, "generator_loss")
    _compare("generator_loss", got, run["reference"]["large"], "for logits of -200 and 50")


# -- 04: the gradient penalty ----------------------------------------------------------------------
# Docstring: critic maps (m, ...) to scores (m, 1); real, fake (m, ...); epsilon (m,).

_SAMPLE_SHAPE = (4, 2, 2, 1)  # 4 image-like samples; per-sample norms reduce over the rest


def _penalty_inputs(seed):
    rng = np.random.default_rng(seed)
    real = rng.normal(size=_SAMPLE_SHAPE).astype("float32")
    fake = rng.normal(size=_SAMPLE_SHAPE).astype("float32")
    epsilon = rng.uniform(size=(_SAMPLE_SHAPE[0],)).astype("float32")  # (m,), as documented
    return real, fake, epsilon


def _direction(norm):
    w = np.ones(int(np.prod(_SAMPLE_SHAPE[1:])), dtype="float32")
    return w * (norm / np.linalg.norm(w))


def _quadratic_penalty(real, fake, epsilon):
    """The penalty for f(x) = ||x||^2 / 2 (gradient x): mean (||x_hat|| - 1)^2."""
    eps = np.asarray(epsilon, dtype="float64").reshape(-1, 1, 1, 1)
    x_hat = eps * real + (1.0 - eps) * fake
    norms = np.sqrt(np.sum(np.square(x_hat), axis=(1, 2, 3)) + 1e-12)
    return float(np.mean(np.square(norms - 1.0)))


_NORMS = (3.0, 0.5)


@piece(
    "gradient_penalty",
    forbidden=("keras_gan.losses.gradient_penalty", "keras_gan.losses.interpolate"),
)
def _gradient_penalty_reference():
    probes = []
    real, fake, epsilon = _penalty_inputs(0)
    for norm in _NORMS:  # probes 0, 1
        probes.append(
            {
                "op": "penalty",
                "critic": "linear",
                "w": _array(_direction(norm)),
                "real": _array(real),
                "fake": _array(fake),
                "epsilon": _array(epsilon),
            }
        )
    q_real, q_fake, q_epsilon = _penalty_inputs(1)  # probe 2
    probes.append(
        {
            "op": "penalty",
            "critic": "quadratic",
            "real": _array(q_real),
            "fake": _array(q_fake),
            "epsilon": _array(q_epsilon),
        }
    )
    g_real, g_fake, g_epsilon = _penalty_inputs(2)  # probe 3
    probes.append(
        {
            "op": "penalty_grad",
            "critic": "linear",
            "w": _array(_direction(3.0)),
            "real": _array(g_real),
            "fake": _array(g_fake),
            "epsilon": _array(g_epsilon),
        }
    )
    # probe 4, diagnosis only: epsilon already shaped (m, 1, 1, 1)
    probes.append(
        {
            "op": "penalty",
            "critic": "linear",
            "w": _array(_direction(3.0)),
            "real": _array(real),
            "fake": _array(fake),
            "epsilon": _array(epsilon.reshape(-1, 1, 1, 1)),
        }
    )
    return {
        "probes": probes,
        "quadratic": _quadratic_penalty(q_real, q_fake, q_epsilon),
        "quadratic_diagnoses": [
            (
                _quadratic_penalty(q_real, q_fake, 1.0 - q_epsilon),
                "epsilon weights the wrong end: x_hat = epsilon * real + (1 - epsilon) * fake",
            ),
            (
                _quadratic_penalty(q_real, q_fake, np.ones_like(q_epsilon)),
                "the penalty is taken at the real samples; take it at the interpolates "
                "x_hat = epsilon * real + (1 - epsilon) * fake",
            ),
            (
                _quadratic_penalty(q_real, q_fake, np.zeros_like(q_epsilon)),
                "the penalty is taken at the generated samples; take it at the interpolates "
                "x_hat = epsilon * real + (1 - epsilon) * fake",
            ),
        ],
        # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w||
        "gradient": 2.0 * (3.0 - 1.0) * _direction(3.0) / 3.0,
    }


@check("gradient_penalty", name="linear critic", points=2)
def gradient_penalty_linear(run):
    n = _SAMPLE_SHAPE[0]
    for index, norm in enumerate(_NORMS):
        expected = (norm - 1.0) ** 2
        first = run["results"][index]
        if "error" in first:
            diagnosis = run["results"][4]
            if index == 0 and "value" in diagnosis:
                value = np.asarray(_protocol.decode(diagnosis["value"]), dtype="float64")
                if value.size == 1 and _close(float(value.reshape(())), expected):
                    raise CheckFailure(
                        f"{first['error']} - epsilon has shape (m,), one weight per sample (see "
                        "the docstring): reshape it to (m, 1, 1, 1) before mixing, e.g. "
                        "epsilon[:, None, None, None]"
                    )
        got = _number(run, index, "gradient_penalty")
        _compare(
            "gradient_penalty",
            got,
            expected,
            f"for a linear critic with ||w|| = {norm:g} (gradient norm {norm:g} everywhere)",
            [
                (-expected, "check the sign: the penalty (||grad|| - 1)^2 is never negative"),
                (
                    0.0,
                    "the paper's penalty is two-sided: (||grad|| - 1)^2 also when the norm "
                    "is below 1",
                ),
                (norm - 1.0, "square the distance to 1: (||grad|| - 1)^2"),
                (1.0 - norm, "square the distance to 1: (||grad|| - 1)^2"),
                ((norm**2 - 1.0) ** 2, "take the square root: the norm, not the squared norm"),
                (norm**2, "penalise the distance to 1: (||grad|| - 1)^2, not ||grad||^2"),
                (
                    (norm * np.sqrt(n) - 1.0) ** 2,
                    "take one norm per sample (reduce over every axis but the batch axis)",
                ),
                (n * expected, "average over the batch, not sum"),
                (abs(norm - 1.0), "square the distance to 1: (||grad|| - 1)^2"),
            ],
        )


@check("gradient_penalty", name="interpolates", needs=("linear critic",))
def gradient_penalty_interpolates(run):
    got = _number(run, 2, "gradient_penalty")
    reference = run["reference"]
    _compare(
        "gradient_penalty",
        got,
        reference["quadratic"],
        "for the critic f(x) = ||x||^2 / 2 (gradient x) on fixed samples and epsilon",
        reference["quadratic_diagnoses"],
    )


@check("gradient_penalty", name="differentiable", needs=("linear critic",))
def gradient_penalty_differentiable(run):
    result = _result(run, 3)
    expected = run["reference"]["gradient"]
    gradient = (
        np.asarray(_protocol.decode(result["gradient"]), dtype="float64")
        if "gradient" in result
        else None
    )
    if gradient is None or not np.any(gradient):
        raise CheckFailure(
            "gradient_penalty: no gradient reaches the critic's weights - the penalty must stay "
            "differentiable: compute the input gradients with keras_gan.backend.input_gradients "
            "and don't wrap them (or the norm) in ops.stop_gradient"
        )
    if gradient.shape != expected.shape or not np.allclose(
        gradient, expected, rtol=1e-3, atol=1e-4
    ):
        raise CheckFailure(
            "gradient_penalty: the gradient with respect to the critic's weights is wrong "
            f"(||w|| = 3: expected norm {np.linalg.norm(expected):.4g}, got "
            f"{np.linalg.norm(gradient):.4g}) - is part of the penalty inside ops.stop_gradient?"
        )


# -- 02: a GAN train_step --------------------------------------------------------------------------
# Docstring: data is a batch of real images (m, 28, 28, 1); returns self.update_logs(...).

_SEED = 7
_NETWORKS = {}


def _parent_networks():
    """The grader's own copies of the tiny networks, to evaluate returned weights."""
    from keras_gan.assignments import _worker

    if "nets" not in _NETWORKS:
        _NETWORKS["nets"] = _worker.tiny_networks()
    return _NETWORKS["nets"]


@piece("train_step", forbidden=("keras_gan.models.",))  # any model's own train_step
def _train_step_reference():
    from keras_gan.assignments import _worker
    from keras_gan.models import GAN

    generator, discriminator = _worker.tiny_networks()
    g_weights, d_weights = generator.get_weights(), discriminator.get_weights()
    rng = np.random.default_rng(0)
    # images in [-1, 1], far from the generator's first samples
    real = np.clip(rng.normal(size=(16,) + _worker.IMAGE_SHAPE) * 0.1 + 0.7, -1, 1).astype(
        "float32"
    )
    z = rng.normal(size=(256, _worker.LATENT_DIM)).astype("float32")
    reference = GAN(generator, discriminator, latent_dim=_worker.LATENT_DIM, seed=_SEED)
    _worker.compile_tiny(reference)
    logs = reference.train_on_batch(real, return_dict=True)
    from keras import ops

    g0, _ = _parent_networks()
    g0.set_weights(g_weights)
    fake_before = np.asarray(ops.convert_to_numpy(g0(z, training=False)))
    return {
        "probes": [
            {
                "op": "train_step",
                "seed": _SEED,
                "real": _protocol.encode(real),
                "g_weights": [_protocol.encode(w) for w in g_weights],
                "d_weights": [_protocol.encode(w) for w in d_weights],
            }
        ],
        "real": real,
        "z": z,
        "fake_before": fake_before,
        "g_before": g_weights,
        "d_before": d_weights,
        "logs": {k: float(ops.convert_to_numpy(v)) for k, v in logs.items()},
        "g_after": reference.generator.get_weights(),
        "d_after": reference.discriminator.get_weights(),
    }


def _step(run):
    """The decoded result of the student's step, checked for shape (cached in the run)."""
    if "step" in run:
        return run["step"]
    result = _result(run, 0)
    reference = run["reference"]
    step = {"logs": {str(k): float(v) for k, v in dict(result["logs"]).items()}}
    for name in ("g", "d"):
        weights = [np.asarray(_protocol.decode(w)) for w in result[f"{name}_weights"]]
        expected = reference[f"{name}_before"]
        if len(weights) != len(expected) or any(
            a.shape != b.shape for a, b in zip(weights, expected)
        ):
            raise CheckFailure("train_step: the networks' weights changed shape")
        step[name] = weights
    step["flags"] = [(str(n), f) for n, f in result["flags"]]
    run["step"] = step
    return step


def _d_loss(d_weights, real, fake):
    from keras import ops

    _, discriminator = _parent_networks()
    discriminator.set_weights(d_weights)
    real_logits = np.asarray(ops.convert_to_numpy(discriminator(real, training=False)), "float64")
    fake_logits = np.asarray(ops.convert_to_numpy(discriminator(fake, training=False)), "float64")
    return _softplus(-real_logits).mean() + _softplus(fake_logits).mean()


def _g_loss(g_weights, d_weights, z):
    from keras import ops

    generator, discriminator = _parent_networks()
    generator.set_weights(g_weights)
    discriminator.set_weights(d_weights)
    logits = ops.convert_to_numpy(discriminator(generator(z, training=False), training=False))
    return _softplus(-np.asarray(logits, "float64")).mean()


def _changed(before, after):
    return any(not np.allclose(a, b) for a, b in zip(before, after))


@check("train_step", name="runs")
def train_step_runs(run):
    logs = _step(run)["logs"]
    missing = [name for name in ("d_loss", "g_loss") if name not in logs]
    if missing:
        raise CheckFailure(
            f"train_step: the logs have {sorted(logs)}, missing {missing} - end with "
            "`return self.update_logs(d_loss=..., g_loss=...)`"
        )
    bad = {k: v for k, v in logs.items() if not np.isfinite(v)}
    if bad:
        raise CheckFailure(f"train_step: losses not finite after one step: {bad}")


@check("train_step", name="updates both networks", needs=("runs",))
def train_step_updates(run):
    step, reference = _step(run), run["reference"]
    if not _changed(reference["d_before"], step["d"]):
        raise CheckFailure(
            "train_step: the discriminator's weights did not change - call "
            "self.minimize(d_loss_fn, self.discriminator, self.d_optimizer)"
        )
    if not _changed(reference["g_before"], step["g"]):
        raise CheckFailure(
            "train_step: the generator's weights did not change - call "
            "self.minimize(g_loss_fn, self.generator, self.g_optimizer)"
        )


@check("train_step", name="discriminator learns", needs=("runs",))
def train_step_discriminator_learns(run):
    step, reference = _step(run), run["reference"]
    if not _changed(reference["d_before"], step["d"]):
        raise Skip("updates both networks")
    before = _d_loss(reference["d_before"], reference["real"], reference["fake_before"])
    after = _d_loss(step["d"], reference["real"], reference["fake_before"])
    if not after < before:
        raise CheckFailure(
            f"train_step: after one step the discriminator's loss on the batch rose "
            f"({before:.4f} -> {after:.4f}) - it must minimise -log D(x) - log(1 - D(G(z))): "
            "check the sign and that real and fake are not swapped"
        )


@check("train_step", name="generator learns", needs=("runs",))
def train_step_generator_learns(run):
    step, reference = _step(run), run["reference"]
    if not _changed(reference["g_before"], step["g"]):
        raise Skip("updates both networks")
    before = _g_loss(reference["g_before"], step["d"], reference["z"])
    after = _g_loss(step["g"], step["d"], reference["z"])
    if not after < before:
        raise CheckFailure(
            f"train_step: the generator's update made its samples look less real to the "
            f"updated discriminator (-log D(G(z)): {before:.4f} -> {after:.4f}) - the generator "
            "minimises -log D(G(z)): check the sign of its loss"
        )


@check("train_step", name="training=True", needs=("runs",))
def train_step_training_flag(run):
    calls = _step(run)["flags"]
    for network in ("generator", "discriminator"):
        flags = [flag for name, flag in calls if name == f"{network}_probe"]
        if not flags:
            raise CheckFailure(f"train_step: the {network} was never called")
        if any(flag is not True for flag in flags):
            raise CheckFailure(
                f"train_step: the {network} was called without training=True - pass "
                f"`training=True` inside train_step (Dropout and BatchNorm behave differently)"
            )


@check(
    "train_step",
    name="matches keras_gan.models.GAN",
    points=2,
    needs=("runs", "updates both networks", "discriminator learns", "generator learns"),
)
def train_step_matches_reference(run):
    step, reference = _step(run), run["reference"]
    for name in ("d_loss", "g_loss"):
        got, expected = step["logs"].get(name), reference["logs"][name]
        if got is None or not _close(got, expected):
            raise CheckFailure(
                f"train_step: one step from the same weights and seed: {name} expected "
                f"{expected:.6g} (keras_gan.models.GAN), got {got:.6g} - draw a fresh z with "
                "self.sample_latent for the discriminator step, then another for the generator "
                "step, and use the non-saturating generator loss"
            )
    for network, key in (("discriminator", "d"), ("generator", "g")):
        theirs = reference[f"{key}_after"]
        if any(not np.allclose(a, b, rtol=1e-4, atol=1e-5) for a, b in zip(step[key], theirs)):
            raise CheckFailure(
                f"train_step: the losses match keras_gan.models.GAN but the updated {network} "
                "weights do not - update the discriminator first, then the generator"
            )


@check("train_step", name="stop_gradient (advice)", points=0, needs=("runs",))
def train_step_detaches(run):
    source = run.get("source")
    if source is None:
        return "skipped: source not available"
    if "stop_gradient" not in source:
        raise CheckFailure(
            "train_step: no ops.stop_gradient on the generated samples in the discriminator "
            "step - the result is the same (only the discriminator's weights are updated) but "
            "the backward pass runs through the generator for nothing"
        )


def _value(run, index):
    """The decoded array output of probe `index` (float64), or a CheckFailure."""
    return np.asarray(_protocol.decode(_result(run, index)["value"]), dtype="float64")


def _check_gradient(run, index, atol, missing, wrong):
    """Probe `index`'s gradient against the reference's; `missing` / `wrong` say what to fix."""
    result = _result(run, index)
    if "gradient" not in result:
        raise CheckFailure(missing)
    gradient = np.asarray(_protocol.decode(result["gradient"]), dtype="float64")
    expected = run["reference"]["gradient"]
    if gradient.shape != expected.shape or not np.allclose(gradient, expected, atol=atol):
        raise CheckFailure(wrong)


def _ints(values):
    return _protocol.encode(np.asarray(values, dtype="int32"))


# -- 03: ACGAN's auxiliary classifier loss ---------------------------------------------------------
# Docstring: class logits (m, K) and int labels (m,) for real and for generated images; returns
# the scalar -L_C = CE(real) + CE(fake), each the mean over its batch.


def _cross_entropy(logits, labels):
    logits = np.asarray(logits, dtype="float64")
    top = logits.max(axis=1, keepdims=True)
    log_softmax = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    return -log_softmax[np.arange(len(labels)), labels].mean()


def _softmax_picked(logits, labels):
    logits = np.asarray(logits, dtype="float64")
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True))[np.arange(len(labels)), labels]


_CLASS_REAL = np.asarray([[2.0, -1.0, 0.5], [0.0, 1.5, -2.0], [1.0, 1.0, 3.0], [-0.5, 2.5, 0.0]])
_CLASS_FAKE = np.asarray([[0.5, 0.0, -1.0], [3.0, -2.0, 1.0], [-1.0, 0.5, 2.0], [1.0, -1.5, 0.5]])
_LABELS_REAL, _LABELS_FAKE = np.asarray([0, 2, 1, 1]), np.asarray([2, 0, 2, 1])
_CLASS_LARGE = np.asarray([[300.0, -200.0, 0.0], [-150.0, 250.0, 100.0]])
_LABELS_LARGE = np.asarray([1, 0])  # each label on a logit far below the largest


@piece("auxiliary_classifier_loss", forbidden=("keras_gan.models.acgan.class_loss",))
def _auxiliary_classifier_loss_reference():
    real, fake = (
        _cross_entropy(_CLASS_REAL, _LABELS_REAL),
        _cross_entropy(_CLASS_FAKE, _LABELS_FAKE),
    )
    return {
        "probes": [
            {
                "op": "call",
                "args": [
                    _array(_CLASS_REAL),
                    _ints(_LABELS_REAL),
                    _array(_CLASS_FAKE),
                    _ints(_LABELS_FAKE),
                ],  # fmt: skip
            },
            {
                "op": "call",
                "args": [
                    _array(_CLASS_LARGE),
                    _ints(_LABELS_LARGE),
                    _array(_CLASS_LARGE),
                    _ints(_LABELS_LARGE[::-1]),
                ],  # fmt: skip
            },
        ],
        "value": real + fake,
        "parts": (real, fake),
        "large": _cross_entropy(_CLASS_LARGE, _LABELS_LARGE)
        + _cross_entropy(_CLASS_LARGE, _LABELS_LARGE[::-1]),
    }


@check("auxiliary_classifier_loss", name="value", points=2)
def auxiliary_classifier_loss_value(run):
    got = _number(run, 0, "auxiliary_classifier_loss")
    expected, (real, fake) = run["reference"]["value"], run["reference"]["parts"]
    picked = _CLASS_REAL[np.arange(4), _LABELS_REAL], _CLASS_FAKE[np.arange(4), _LABELS_FAKE]
    _compare(
        "auxiliary_classifier_loss",
        got,
        expected,
        f"on 4 real and 4 generated images, 3 classes, real labels {_show(_LABELS_REAL)}, "
        f"generated labels {_show(_LABELS_FAKE)}:",
        [
            (-expected, "check the sign: the loss is minus the log-likelihood, -log softmax(l)_c"),
            (real, "the generated images' term is missing: D also classifies G(z, c) as c"),
            (fake, "the real images' term is missing: D also learns to classify real images"),
            (expected / 2, "add the two cross-entropies (-L_C on real plus on generated)"),
            (4 * expected, "take the mean over each batch, not the sum"),
            (
                _cross_entropy(_CLASS_REAL, _LABELS_FAKE)
                + _cross_entropy(_CLASS_FAKE, _LABELS_REAL),
                "the labels are swapped: real logits go with real labels, generated with the "
                "classes the generator was asked for",
            ),
            (
                -(
                    _softmax_picked(_CLASS_REAL, _LABELS_REAL).mean()
                    + _softmax_picked(_CLASS_FAKE, _LABELS_FAKE).mean()
                ),  # fmt: skip
                "take the log of the softmax: the loss is -log P(C = c | x)",
            ),
            (
                -(picked[0].mean() + picked[1].mean()),
                "normalise the logits: log softmax(l)_c = l_c - log sum_k exp(l_k)",
            ),
        ],
    )


@check("auxiliary_classifier_loss", name="large logits", needs=("value",))
def auxiliary_classifier_loss_stable(run):
    got = _number(run, 1, "auxiliary_classifier_loss")
    _compare(
        "auxiliary_classifier_loss",
        got,
        run["reference"]["large"],
        "for logits in the hundreds (each label's logit 400 to 500 below the largest):",
        not_finite="not finite: exp overflows, or the softmax of a far smaller logit is 0 and "
        "its log -inf; use ops.log_softmax (log softmax(l)_c = l_c - logsumexp(l))",
    )


# -- 05: PacGAN's packing ----------------------------------------------------------------------------
# Docstring: samples (b, ..., c) with b a multiple of packing; returns (b / packing, ..., packing c),
# group j holding samples j*m ... j*m + m - 1 joined along the last axis, sample by sample.


def _pack(samples, m):
    b, *feature = samples.shape
    x = samples.reshape(b // m, m, *feature)
    x = np.moveaxis(x, 1, -2)  # (b/m, ..., m, c)
    return x.reshape(b // m, *feature[:-1], m * feature[-1])


_POINTS = np.arange(12, dtype="float64").reshape(6, 2)
_IMAGES_1 = np.arange(16, dtype="float64").reshape(4, 2, 2, 1)
_IMAGES_3 = np.arange(72, dtype="float64").reshape(6, 2, 2, 3)


@piece("pack", forbidden=("keras_gan.lab.Pack", "keras_gan.lab.pack_discriminator"))
def _pack_reference():
    cases = [(_POINTS, 2), (_POINTS, 1), (_IMAGES_1, 2), (_IMAGES_3, 3)]
    return {
        "probes": [{"op": "call", "args": [_array(x), m]} for x, m in cases],
        "cases": [(x.shape, m, _pack(x, m)) for x, m in cases],
    }


def _check_pack(run, index, what):
    shape, m, expected = run["reference"]["cases"][index]
    got = _value(run, index)
    b = shape[0]
    context = f"pack: on {what} {tuple(shape)} holding 0, 1, 2, ... in order, with packing={m}:"
    if got.shape != expected.shape:
        raise CheckFailure(
            f"{context} expected shape {expected.shape}, got {got.shape} - (b, ..., c) becomes "
            f"(b / packing, ..., packing * c): the batch shrinks, the last axis grows"
        )
    if np.allclose(got, expected):
        return
    samples = np.arange(np.prod(shape), dtype="float64").reshape(shape)
    strided = np.concatenate([samples[j * (b // m) : (j + 1) * (b // m)] for j in range(m)], -1)
    hints = [
        (
            strided,
            "group j must hold samples j*m ... j*m + m - 1 (consecutive), not samples "
            "j, j + b/m, ...",
        ),  # fmt: skip
        (
            samples.reshape(expected.shape),
            "a plain reshape mixes the pixels of different "
            "samples: keep each sample's pixels in place and join "
            "the samples along the last axis",
        ),  # fmt: skip
    ]
    if shape[-1] > 1:
        x = samples.reshape(b // m, m, *shape[1:])
        channel_major = np.moveaxis(x, 1, -1).reshape(expected.shape)
        hints.append(
            (
                channel_major,
                "the last axis must hold sample 1's c channels, then sample 2's "
                "(not channel 1 of every sample, then channel 2)",
            )  # fmt: skip
        )
    for value, hint in hints:
        if value.shape == got.shape and np.allclose(got, value):
            raise CheckFailure(f"{context} wrong order of values - {hint}")
    raise CheckFailure(f"{context} the values differ from lab.Pack's")


@check("pack", name="points")
def pack_points(run):
    _check_pack(run, 0, "2-D points")
    _check_pack(run, 1, "2-D points")


@check("pack", name="images", points=2, needs=("points",))
def pack_images(run):
    _check_pack(run, 2, "images")
    _check_pack(run, 3, "images")


# -- 06: FID's formula -------------------------------------------------------------------------------
# Docstring: mu1, mu2 (d,); sigma1, sigma2 (d, d) symmetric positive definite; returns the
# scalar squared Frechet distance ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2)).


def _sqrtm(a):
    """The principal square root of a matrix with positive eigenvalues (A = V diag(w) V^-1)."""
    w, v = np.linalg.eig(a)
    return np.real(v @ np.diag(np.sqrt(w.astype(complex))) @ np.linalg.inv(v))


def _spd_sqrt(a):
    w, v = np.linalg.eigh(a)
    return v @ np.diag(np.sqrt(w)) @ v.T


def _fid(mu1, s1, mu2, s2, root=None, factor=2.0, mean=True, squared=True):
    root = _sqrtm(s1 @ s2) if root is None else root
    distance = np.sum((mu1 - mu2) ** 2)
    if not squared:
        distance = np.sqrt(distance)
    return (distance if mean else 0.0) + np.trace(s1 + s2 - factor * root)


_MU1, _MU2 = np.asarray([0.0, 1.0, 2.0]), np.asarray([1.0, 1.0, 0.5])
_DIAG1, _DIAG2 = np.diag([1.0, 2.0, 3.0]), np.diag([4.0, 1.0, 0.5])
_SIGMA1 = np.asarray([[2.0, 0.6, 0.2], [0.6, 1.0, -0.3], [0.2, -0.3, 1.5]])
_SIGMA2 = np.asarray([[1.0, -0.4, 0.0], [-0.4, 2.5, 0.7], [0.0, 0.7, 0.8]])


@piece("frechet_distance", forbidden=("keras_gan.metrics.frechet_distance",))
def _frechet_distance_reference():
    cases = [(_MU1, _DIAG1, _MU2, _DIAG2), (_MU1, _SIGMA1, _MU2, _SIGMA2),
             (_MU2, _SIGMA2, _MU2, _SIGMA2)]  # fmt: skip
    return {
        "probes": [{"op": "call", "args": [_array(a) for a in case]} for case in cases],
        "values": [_fid(*case) for case in cases],
    }


def _fid_hints(mu1, s1, mu2, s2):
    return [
        (_fid(mu1, s1, mu2, s2, factor=1.0), "the cross term is -2 Tr((sigma1 sigma2)^(1/2))"),
        (_fid(mu1, s1, mu2, s2, mean=False), "the means' term ||mu1 - mu2||^2 is missing"),
        (_fid(mu1, s1, mu2, s2, squared=False), "the means' term is squared: ||mu1 - mu2||^2"),
        (np.sqrt(max(_fid(mu1, s1, mu2, s2), 0.0)), "FID is the squared distance: no square root"),
        (
            _fid(mu1, s1, mu2, s2, root=np.sqrt(np.abs(s1 @ s2))),
            "(sigma1 sigma2)^(1/2) is a matrix square root (scipy.linalg.sqrtm), not the "
            "element-wise square root",
        ),
        (
            _fid(mu1, s1, mu2, s2, root=_spd_sqrt(s1) @ _spd_sqrt(s2)),
            "(sigma1 sigma2)^(1/2) is the square root of the product; it equals "
            "sigma1^(1/2) sigma2^(1/2) only when the two commute (e.g. diagonal)",
        ),
    ]


@check("frechet_distance", name="diagonal covariances")
def frechet_distance_diagonal(run):
    got = _number(run, 0, "frechet_distance")
    _compare("frechet_distance", got, run["reference"]["values"][0],
             "for diagonal covariances (1, 2, 3) and (4, 1, 0.5):",
             _fid_hints(_MU1, _DIAG1, _MU2, _DIAG2), not_finite="not finite")  # fmt: skip


@check("frechet_distance", name="general covariances", points=2, needs=("diagonal covariances",))
def frechet_distance_general(run):
    got = _number(run, 1, "frechet_distance")
    _compare("frechet_distance", got, run["reference"]["values"][1],
             "for two covariances that do not commute:",
             _fid_hints(_MU1, _SIGMA1, _MU2, _SIGMA2), not_finite="not finite")  # fmt: skip


@check("frechet_distance", name="same set gives 0", needs=("diagonal covariances",))
def frechet_distance_zero(run):
    got = _number(run, 2, "frechet_distance")
    if not (np.isfinite(got) and abs(got) <= 1e-3):
        raise CheckFailure(
            f"frechet_distance: for two identical Gaussians expected 0, got {got:.6g}"
        )


# -- 07: CycleGAN's cycle-consistency loss ------------------------------------------------------------
# Docstring: real_a, cycled_a = F(G(a)), real_b, cycled_b = G(F(b)), images (m, h, w, c); weight
# lambda (a float); returns lambda (E|F(G(a)) - a| + E|G(F(b)) - b|), each term a mean absolute
# difference over every pixel and sample.

_CYCLE = [np.random.default_rng(seed).uniform(-1, 1, (2, 4, 4, 3)) for seed in range(4)]
_CYCLE_2 = [np.random.default_rng(10 + seed).uniform(-1, 1, (3, 2, 2, 1)) for seed in range(4)]


def _cycle(real_a, cycled_a, real_b, cycled_b, weight, distance=np.abs, reduce=np.mean):
    return weight * (reduce(distance(cycled_a - real_a)) + reduce(distance(cycled_b - real_b)))


@piece(
    "cycle_consistency_loss",
    forbidden=("keras_gan.losses.l1_loss", "keras_gan.models.cyclegan.cycle_objective"),
)
def _cycle_consistency_loss_reference():
    return {
        "probes": [
            {"op": "call", "args": [*map(_array, _CYCLE), 10.0]},
            {"op": "call", "args": [*map(_array, _CYCLE_2), 2.5]},
        ],
        "values": [_cycle(*_CYCLE, 10.0), _cycle(*_CYCLE_2, 2.5)],
    }


@check("cycle_consistency_loss", name="value", points=2)
def cycle_consistency_loss_value(run):
    got = _number(run, 0, "cycle_consistency_loss")
    a, ca, b, cb = _CYCLE
    _compare(
        "cycle_consistency_loss",
        got,
        run["reference"]["values"][0],
        "with weight=10 on two batches of (2, 4, 4, 3) images:",
        [
            (
                _cycle(*_CYCLE, 10.0, distance=np.square),
                "use the L1 distance |x - y|, not the squared one (the paper: L1)",
            ),  # fmt: skip
            (_cycle(*_CYCLE, 10.0, distance=lambda x: x), "take the absolute value: |x - y|"),
            (10.0 * np.mean(np.abs(ca - a)), "the B -> A -> B cycle term is missing"),
            (10.0 * np.mean(np.abs(cb - b)), "the A -> B -> A cycle term is missing"),
            (_cycle(*_CYCLE, 1.0), "multiply by the weight lambda"),
            (_cycle(*_CYCLE, 5.0), "add the two cycle terms, don't average them"),
            (
                _cycle(*_CYCLE, 10.0, reduce=np.sum),
                "take the mean over every pixel and sample, not the sum",
            ),  # fmt: skip
            (
                np.mean(np.abs(ca - a)) + 10.0 * np.mean(np.abs(cb - b)),
                "the weight multiplies both terms",
            ),
        ],
    )


@check("cycle_consistency_loss", name="weight", needs=("value",))
def cycle_consistency_loss_weight(run):
    got = _number(run, 1, "cycle_consistency_loss")
    _compare(
        "cycle_consistency_loss",
        got,
        run["reference"]["values"][1],
        "with weight=2.5 on two batches of (3, 2, 2, 1) images:",
        [(_cycle(*_CYCLE_2, 10.0), "use the `weight` argument, not a fixed 10")],
    )


# -- 11: DiffAugment's translation ---------------------------------------------------------------
# Docstring: images (m, h, w, c); shift_y, shift_x int (m,); result (i, j) of image n is input
# (i - shift_y[n], j - shift_x[n]), 0 where that falls outside; differentiable in the images.


def _translate(images, shift_y, shift_x, fill=True):
    """NumPy reference: each image moved by its own (shift_y, shift_x), zeros (or wrapped)."""
    out = np.zeros_like(images) if fill else np.empty_like(images)
    for n, (dy, dx) in enumerate(zip(shift_y, shift_x)):
        moved = np.roll(images[n], (int(dy), int(dx)), axis=(0, 1))
        if fill:
            h, w = images.shape[1:3]
            rows = np.arange(h) - dy
            columns = np.arange(w) - dx
            keep = ((rows >= 0) & (rows < h))[:, None] & ((columns >= 0) & (columns < w))[None, :]
            moved = moved * keep[..., None]
        out[n] = moved
    return out


_TRANSLATE_CASES = [
    (np.arange(75, dtype="float64").reshape(3, 5, 5, 1) + 1.0, [1, -2, 0], [0, 1, -1]),
    (np.arange(96, dtype="float64").reshape(2, 4, 6, 2) + 1.0, [2, -1], [-3, 2]),
]
_TRANSLATE_WEIGHTS = np.random.default_rng(3).normal(size=(2, 4, 6, 2))


@piece(
    "translate",
    forbidden=(
        "keras_gan.augment.translation",
        "keras_gan.augment._shift_matrices",
        "keras_gan.augment.augment",
    ),
)
def _translate_reference():
    probes = [
        {"op": "call", "args": [_array(x), _ints(dy), _ints(dx)]} for x, dy, dx in _TRANSLATE_CASES
    ]
    x, dy, dx = _TRANSLATE_CASES[1]
    probes.append(
        {
            "op": "call_grad",
            "args": [_array(x), _ints(dy), _ints(dx)],
            "weights": _array(_TRANSLATE_WEIGHTS),
        }  # fmt: skip
    )
    # d/dx sum(translate(x) * w) = w moved back: translate(w, -dy, -dx)
    gradient = _translate(_TRANSLATE_WEIGHTS, -np.asarray(dy), -np.asarray(dx))
    return {"probes": probes, "gradient": gradient}


@check("translate", name="shifts", points=2)
def translate_shifts(run):
    for index, (x, dy, dx) in enumerate(_TRANSLATE_CASES):
        expected = _translate(x, dy, dx)
        got = _value(run, index)
        context = (
            f"translate: images {x.shape} holding 1, 2, 3, ... with shift_y={list(dy)}, "
            f"shift_x={list(dx)}:"
        )
        if got.shape != expected.shape:
            raise CheckFailure(f"{context} expected shape {expected.shape}, got {got.shape}")
        if np.allclose(got, expected):
            continue
        hints = [
            (
                _translate(x, dy, dx, fill=False),
                "fill with zeros where the image moved away, "
                "don't wrap around (np.roll / ops.roll)",
            ),  # fmt: skip
            (
                _translate(x, -np.asarray(dy), -np.asarray(dx)),
                "the sign: result (i, j) is input (i - shift_y, j - shift_x)",
            ),  # fmt: skip
            (
                _translate(x, dx, dy) if x.shape[1] == x.shape[2] else None,
                "shift_y moves rows (axis 1), shift_x columns (axis 2)",
            ),  # fmt: skip
            (
                _translate(x, [dy[0]] * len(dy), [dx[0]] * len(dx)),
                "each image has its own shift",
            ),  # fmt: skip
        ]
        for value, hint in hints:
            if value is not None and np.allclose(got, value):
                raise CheckFailure(f"{context} wrong values - {hint}")
        raise CheckFailure(f"{context} the values differ from the zero-filled shift")


@check("translate", name="differentiable", needs=("shifts",))
def translate_differentiable(run):
    _check_gradient(
        run,
        2,
        atol=1e-5,
        missing="translate: no gradient reaches the images - DiffAugment must be "
        "differentiable, so that the generator learns through it: write it with keras.ops (no "
        "numpy, no integer casts of the images)",
        wrong="translate: the gradient with respect to the images is wrong - each output pixel "
        "must be one input pixel (or 0), so the gradient is the output's moved back",
    )


# -- 12: CoGAN's pair agreement on digits and negatives ---------------------------------------------
# Docstring: images_a (digits), images_b (negatives), arrays (n, h, w, c) in [-1, 1]; returns the
# share of pixels on which b and the negative -a agree after binarising both at 0 (> 0 is "on"),
# over every pixel of every pair: a float in [0, 1].


def _agreement(images_a, images_b, negate=True, threshold=0.0, reduce=np.mean):
    predicted = (-images_a if negate else images_a) > threshold
    return float(reduce(predicted == (images_b > threshold)))


def _agreement_cases():
    rng = np.random.default_rng(12)
    digits = rng.uniform(-1, 1, (3, 4, 4, 1))
    negatives = -digits
    flipped = rng.random(digits.shape) < 0.3  # 30% of the pixels disagree
    negatives[flipped] = -negatives[flipped]
    unrelated = rng.uniform(-1, 1, (2, 3, 3, 2)), rng.uniform(-1, 1, (2, 3, 3, 2))
    return [(digits, negatives), unrelated]


_AGREEMENT = _agreement_cases()


@piece("negative_agreement", forbidden=("keras_gan.metrics.pair_agreement",))
def _negative_agreement_reference():
    return {
        "probes": [{"op": "call", "args": [_array(a), _array(b)]} for a, b in _AGREEMENT],
        "values": [_agreement(a, b) for a, b in _AGREEMENT],
    }


@check("negative_agreement", name="value", points=2)
def negative_agreement_value(run):
    got = _number(run, 0, "negative_agreement")
    a, b = _AGREEMENT[0]
    _compare(
        "negative_agreement",
        got,
        run["reference"]["values"][0],
        "on 3 digits of 4x4 and negatives of which 30% of the pixels were flipped:",
        [
            (_agreement(a, b, negate=False), "compare b with the negative -a, not with a"),
            (float(np.mean(-a == b)), "binarise both at 0 before comparing (> 0 is on)"),
            (_agreement(a, b, threshold=0.5), "binarise at 0, the middle grey of [-1, 1]"),
            (_agreement(a, b, reduce=np.sum), "take the mean over the pixels, not the sum"),
        ],
    )


@check("negative_agreement", name="any shape", needs=("value",))
def negative_agreement_any_shape(run):
    got = _number(run, 1, "negative_agreement")
    _compare(
        "negative_agreement",
        got,
        run["reference"]["values"][1],
        "on 2 unrelated pairs of 3x3 images with 2 channels:",
        [(_agreement(*_AGREEMENT[1], reduce=np.sum), "take the mean, not the sum")],
    )


# -- 13: orthogonal regularisation -----------------------------------------------------------------
# Docstring: a kernel (..., units) whose last axis is the output units; W = reshape(kernel,
# (-1, units)); the result is the scalar (beta / 2) ||W^T W * (1 - I)||_F^2.


def _orthogonal(
    kernel, beta, gram="units", diagonal=False, identity=False, half=True, reduce=np.sum
):
    kernel = np.asarray(kernel, dtype="float64")
    matrix = kernel.reshape(-1, kernel.shape[-1])
    product = matrix.T @ matrix if gram == "units" else matrix @ matrix.T
    if identity:
        residual = product - np.eye(len(product))
    elif diagonal:
        residual = product
    else:
        residual = product * (1.0 - np.eye(len(product)))
    return float((0.5 if half else 1.0) * beta * reduce(np.square(residual)))


def _orthogonal_cases():
    rng = np.random.default_rng(13)
    return [
        (rng.normal(size=(5, 3)), 0.5),  # a dense kernel: 5 inputs, 3 units
        (rng.normal(size=(3, 3, 2, 4)), 0.1),  # a 3x3 convolution, 2 -> 4 channels
    ]


_ORTHOGONAL = _orthogonal_cases()
_SUM_EVERYTHING = "the squared Frobenius norm sums over every entry of the matrix (ops.sum)"


@piece("orthogonal_penalty", forbidden=("keras_gan.losses.orthogonal_regularization",))
def _orthogonal_penalty_reference():
    return {
        "probes": [{"op": "call", "args": [_array(k), beta]} for k, beta in _ORTHOGONAL],
        "values": [_orthogonal(k, beta) for k, beta in _ORTHOGONAL],
    }


@check("orthogonal_penalty", name="dense kernel", points=2)
def orthogonal_penalty_dense(run):
    got = _number(run, 0, "orthogonal_penalty", _SUM_EVERYTHING)
    kernel, beta = _ORTHOGONAL[0]
    _compare(
        "orthogonal_penalty",
        got,
        run["reference"]["values"][0],
        f"on a dense kernel of shape {kernel.shape} (5 inputs, 3 units) with beta = {beta}:",
        [
            (_orthogonal(kernel, beta, gram="inputs"),
             "the Gram matrix is W^T W (units x units, one column per unit), not W W^T"),
            (_orthogonal(kernel, beta, diagonal=True),
             "zero the diagonal of W^T W: the filters' norms are left free (multiply by 1 - I)"),
            (_orthogonal(kernel, beta, identity=True),
             "that is ||W^T W - I||^2, full orthogonality: BigGAN keeps only the off-diagonal "
             "part, W^T W * (1 - I)"),
            (_orthogonal(kernel, beta, half=False), "the penalty is beta / 2 times the norm"),
            (_orthogonal(kernel, beta, reduce=np.mean), "sum the squares (the Frobenius norm), "
             "do not average them"),
        ],
        not_finite="not finite: check the reshape and the product",
    )  # fmt: skip


@check("orthogonal_penalty", name="convolution kernel", needs=("dense kernel",))
def orthogonal_penalty_convolution(run):
    got = _number(run, 1, "orthogonal_penalty", _SUM_EVERYTHING)
    kernel, beta = _ORTHOGONAL[1]
    _compare(
        "orthogonal_penalty",
        got,
        run["reference"]["values"][1],
        f"on a convolution kernel of shape {kernel.shape} with beta = {beta}:",
        [
            (_orthogonal(kernel, beta, gram="inputs"),
             "reshape the kernel to (kh * kw * in, units) and take W^T W"),
        ],
        not_finite="not finite: check the reshape and the product",
    )  # fmt: skip


# -- 14: StarGAN's domain classification loss ------------------------------------------------------
# Docstring: logits (m, k), labels (m, k) of 0/1; returns the binary cross-entropy of every logit
# with its label, summed over the k attributes, averaged over the m images.


def _domain_loss(logits, labels, reduce_attributes=np.sum, reduce_batch=np.mean, swap=False):
    logits = np.asarray(logits, dtype="float64")
    labels = 1.0 - np.asarray(labels) if swap else np.asarray(labels)
    per_attribute = labels * _softplus(-logits) + (1.0 - labels) * _softplus(logits)
    return float(reduce_batch(reduce_attributes(per_attribute, axis=-1)))


def _softmax_domain_loss(logits, labels):
    # a softmax over the attributes, as if they were one class among k
    logits = np.asarray(logits, dtype="float64")
    log_softmax = logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)
    return float(np.mean(np.sum(-np.asarray(labels) * log_softmax, axis=-1)))


def _domain_cases():
    rng = np.random.default_rng(14)
    moderate = rng.normal(0.0, 2.0, (4, 3)), rng.integers(0, 2, (4, 3))
    large = (
        np.array([[100.0, -100.0, 60.0, -3.0, 0.5]] * 2),
        np.array([[1, 0, 0, 1, 1], [0, 1, 1, 0, 0]]),
    )
    return [moderate, large]


_DOMAIN = _domain_cases()


@piece(
    "domain_classification_loss", forbidden=("keras_gan.models.stargan.domain_classification_loss",)
)
def _domain_classification_loss_reference():
    return {
        "probes": [{"op": "call", "args": [_array(t), _array(c)]} for t, c in _DOMAIN],
        "values": [_domain_loss(t, c) for t, c in _DOMAIN],
    }


@check("domain_classification_loss", name="value", points=2)
def domain_classification_loss_value(run):
    got = _number(run, 0, "domain_classification_loss")
    logits, labels = _DOMAIN[0]
    _compare(
        "domain_classification_loss",
        got,
        run["reference"]["values"][0],
        f"on logits of shape {logits.shape} (4 images, 3 attributes) and labels {_show(labels)}:",
        [
            (-_domain_loss(logits, labels), "check the sign: the loss is the cross-entropy, >= 0"),
            (_domain_loss(logits, labels, np.mean),
             "sum over the attributes (one cross-entropy each), then average over the images"),
            (_domain_loss(logits, labels, reduce_batch=np.sum),
             "average over the images, do not sum them"),
            (_domain_loss(logits, labels, np.mean, np.sum),
             "sum over the attributes and average over the images, not the other way round"),
            (_domain_loss(logits, labels, swap=True),
             "labels are swapped: a label 1 goes with -log sigmoid(t) = softplus(-t)"),
            (_softmax_domain_loss(logits, labels),
             "each attribute is its own yes/no question: a sigmoid per logit, not a softmax "
             "across the attributes"),
        ],
    )  # fmt: skip


@check("domain_classification_loss", name="large logits", needs=("value",))
def domain_classification_loss_stable(run):
    got = _number(run, 1, "domain_classification_loss")
    _compare(
        "domain_classification_loss",
        got,
        run["reference"]["values"][1],
        "for logits of +-100 and 60 (2 images, 5 attributes):",
    )


# -- 15: U-GAT-IT's AdaLIN -------------------------------------------------------------------------
# Docstring: features (b, h, w, c), rho (c,) in [0, 1], gamma and beta (b, c); returns
# gamma * (rho * a_I + (1 - rho) * a_L) + beta, a_I normalised per image and channel over (h, w),
# a_L per image over (h, w, c), population variances, epsilon = 1e-5 inside the square roots.


def _adalin(
    x, rho, gamma, beta, instance_axes=(1, 2), layer_axes=(1, 2, 3), ddof=0, swap=False,
    sqrt=True, scale_shift=True,
):  # fmt: skip
    x = np.asarray(x, dtype="float64")

    def normalise(axes):
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True, ddof=ddof)
        return (x - mean) / (np.sqrt(var + 1e-5) if sqrt else var + 1e-5)

    instance, layer = normalise(instance_axes), normalise(layer_axes)
    rho = np.asarray(rho, dtype="float64")
    mixed = (1 - rho) * instance + rho * layer if swap else rho * instance + (1 - rho) * layer
    gamma, beta = np.asarray(gamma)[:, None, None, :], np.asarray(beta)[:, None, None, :]
    return mixed * gamma + beta if scale_shift else mixed * beta + gamma


def _adalin_cases():
    rng = np.random.default_rng(15)
    x = rng.normal(0.5, 2.0, (2, 3, 4, 3))
    x[1] *= 3.0  # images of different scales: layer and instance statistics differ
    return (
        x,
        np.array([1.0, 0.0, 0.3]),
        rng.normal(1.0, 0.5, (2, 3)),
        rng.normal(0.0, 0.5, (2, 3)),
    )


_ADALIN = _adalin_cases()
_ADALIN_WEIGHTS = np.random.default_rng(16).normal(size=_ADALIN[0].shape)


def _adalin_gradient():
    # d/dx sum(adalin(x) * w), by central differences on the float64 reference
    x, rest, step = _ADALIN[0], _ADALIN[1:], 1e-6
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += step
        down[index] -= step
        gradient[index] = np.sum((_adalin(up, *rest) - _adalin(down, *rest)) * _ADALIN_WEIGHTS)
    return gradient / (2 * step)


@piece("adalin", forbidden=("keras_gan.networks.ugatit.layer_instance_normalize",))
def _adalin_reference():
    probes = [
        {"op": "call", "args": [_array(a) for a in _ADALIN]},
        {
            "op": "call_grad",
            "args": [_array(a) for a in _ADALIN],
            "weights": _array(_ADALIN_WEIGHTS),
        },
    ]
    return {"probes": probes, "gradient": _adalin_gradient()}


@check("adalin", name="value", points=2)
def adalin_value(run):
    expected = _adalin(*_ADALIN)
    got = _value(run, 0)
    context = (
        f"adalin: features {_ADALIN[0].shape} (2 images, 3 channels) with rho = "
        f"{_show(_ADALIN[1])}:"
    )
    if got.shape != expected.shape:
        raise CheckFailure(f"{context} expected shape {expected.shape}, got {got.shape}")
    if np.allclose(got, expected, atol=1e-4, rtol=1e-4):
        return
    hints = [
        (_adalin(*_ADALIN, swap=True),
         "rho weights the instance-normalised features (rho = 1: instance normalisation)"),
        (_adalin(*_ADALIN, ddof=1),
         "use the population variance (divide by n, as ops.var / ops.moments), not n - 1"),
        (_adalin(*_ADALIN, instance_axes=(0, 1, 2)),
         "instance statistics are per image and channel: over (h, w) only (axes 1, 2), not "
         "over the batch"),
        (_adalin(*_ADALIN, layer_axes=(0, 1, 2, 3)),
         "layer statistics are per image: over (h, w, c) (axes 1, 2, 3), not over the batch"),
        (_adalin(*_ADALIN, layer_axes=(3,)),
         "layer statistics are over the whole image, (h, w, c), not over the channels alone"),
        (_adalin(*_ADALIN, sqrt=False), "divide by the standard deviation, sqrt(var + eps)"),
        (_adalin(*_ADALIN, scale_shift=False), "gamma scales and beta shifts: gamma * x + beta"),
    ]  # fmt: skip
    for value, hint in hints:
        if np.allclose(got, value, atol=1e-4, rtol=1e-4):
            raise CheckFailure(f"{context} wrong values - {hint}")
    raise CheckFailure(f"{context} the values differ from the reference AdaLIN")


@check("adalin", name="differentiable", needs=("value",))
def adalin_differentiable(run):
    _check_gradient(
        run,
        1,
        atol=1e-3,
        missing="adalin: no gradient reaches the features - the generator learns through "
        "AdaLIN, so write it with keras.ops (no numpy)",
        wrong="adalin: the gradient with respect to the features is wrong - the means and "
        "variances must depend on the features (no stop_gradient on them)",
    )


# -- 16: ProGAN's minibatch standard deviation -----------------------------------------------------
# Docstring: features (n, h, w, c), n a multiple of G; sample i belongs to group i mod (n / G)
# (the authors' reshape to (G, n / G, h, w, c)); per group, the population standard deviation
# over its G samples of every feature at every position, sqrt(var + 1e-8), averaged over
# (h, w, c) into one number, appended to each of the group's samples as a constant channel:
# (n, h, w, c + 1).


def _minibatch_stddev(
    x, group_size, strided=True, ddof=0, mean_of_variance=False, keep_channels=False,
    append=True,
):  # fmt: skip
    x = np.asarray(x, dtype="float64")
    n, h, w, c = x.shape
    groups = n // group_size
    if strided:  # sample i in group i mod (n / G)
        grouped = x.reshape(group_size, groups, h, w, c)
        axis = 0
    else:  # G consecutive samples per group
        grouped = x.reshape(groups, group_size, h, w, c)
        axis = 1
    variance = grouped.var(axis=axis, ddof=ddof)  # (n / G, h, w, c)
    if mean_of_variance:
        per_group = np.sqrt(variance.mean(axis=(1, 2, 3)) + 1e-8)[:, None]
    elif keep_channels:
        per_group = np.sqrt(variance + 1e-8).mean(axis=(1, 2))  # (n / G, c)
    else:
        per_group = np.sqrt(variance + 1e-8).mean(axis=(1, 2, 3))[:, None]
    index = np.arange(n) % groups if strided else np.arange(n) // group_size
    feature = np.broadcast_to(per_group[index][:, None, None, :], (n, h, w, per_group.shape[-1]))
    return np.concatenate([x, feature], axis=-1) if append else np.array(feature)


def _minibatch_stddev_cases():
    rng = np.random.default_rng(16)
    x = rng.normal(0.0, 1.0, (8, 2, 2, 3))
    x[1::2] *= 4.0  # odd samples vary more: strided and consecutive groups give different values
    y = rng.normal(0.5, 2.0, (6, 3, 2, 2))
    return [(x, 4), (y, 2)]


_MINIBATCH_STDDEV = _minibatch_stddev_cases()
_MINIBATCH_STDDEV_WEIGHTS = np.random.default_rng(17).normal(size=(8, 2, 2, 4))


def _minibatch_stddev_gradient():
    # d/dx sum(minibatch_stddev(x, 4) * w), by central differences on the float64 reference
    x, group_size = _MINIBATCH_STDDEV[0]
    gradient, step = np.zeros_like(x), 1e-6
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += step
        down[index] -= step
        difference = _minibatch_stddev(up, group_size) - _minibatch_stddev(down, group_size)
        gradient[index] = np.sum(difference * _MINIBATCH_STDDEV_WEIGHTS)
    return gradient / (2 * step)


@piece(
    "minibatch_stddev",
    forbidden=("keras_gan.layers.MinibatchStandardDeviation", "keras_gan.lab.MinibatchStdDev"),
)
def _minibatch_stddev_reference():
    (x, group_size), (y, other_size) = _MINIBATCH_STDDEV
    probes = [
        {"op": "call", "args": [_array(x), group_size]},
        {"op": "call", "args": [_array(y), other_size]},
        {
            "op": "call_grad",
            "args": [_array(x), group_size],
            "weights": _array(_MINIBATCH_STDDEV_WEIGHTS),
        },
    ]
    return {"probes": probes, "gradient": _minibatch_stddev_gradient()}


def _check_minibatch_stddev(run, index, context):
    x, group_size = _MINIBATCH_STDDEV[index]
    expected = _minibatch_stddev(x, group_size)
    got = _value(run, index)
    n, h, w, c = x.shape
    if got.shape != expected.shape:
        hint = ""
        if got.shape == (n, h, w, 1):
            hint = " - append the statistic to the features (ops.concatenate on the last axis)"
        elif got.shape == (n, h, w, 2 * c):
            hint = (
                " - average the standard deviations over the channels too: one extra feature "
                "map, not one per channel"
            )
        raise CheckFailure(
            f"{context} expected shape {expected.shape} (the features and one more channel), "
            f"got {got.shape}{hint}"
        )
    if np.allclose(got, expected, atol=1e-4, rtol=1e-4):
        return
    if not np.allclose(got[..., :c], x, atol=1e-4, rtol=1e-4):
        raise CheckFailure(f"{context} the first {c} channels must be the features unchanged")
    hints = [
        (_minibatch_stddev(x, group_size, strided=False),
         "sample i belongs to group i mod (n / G), as the authors' reshape to (G, n / G, h, w, c) "
         "gives, not to the G consecutive samples i // G"),
        (_minibatch_stddev(x, n),
         f"split the batch into groups of group_size = {group_size}: one statistic per group, "
         "not one for the whole batch"),
        (_minibatch_stddev(x, group_size, ddof=1),
         "use the population variance (divide by G, as ops.var), not G - 1"),
        (_minibatch_stddev(x, group_size, strided=False, ddof=1),
         "use the population variance (divide by G, as ops.var), not G - 1; and sample i "
         "belongs to group i mod (n / G), not i // G"),
        (_minibatch_stddev(x, group_size, mean_of_variance=True),
         "take the square root of each feature's variance first, then average the standard "
         "deviations (not the square root of the average variance)"),
    ]  # fmt: skip
    for value, hint in hints:
        if value.shape == got.shape and np.allclose(got, value, atol=1e-4, rtol=1e-4):
            raise CheckFailure(f"{context} wrong values - {hint}")
    raise CheckFailure(f"{context} the extra channel differs from the reference")


@check("minibatch_stddev", name="value", points=2)
def minibatch_stddev_value(run):
    _check_minibatch_stddev(
        run, 0, "minibatch_stddev: features (8, 2, 2, 3) with group_size = 4 (2 groups):"
    )


@check("minibatch_stddev", name="another group size", needs=("value",))
def minibatch_stddev_group_size(run):
    _check_minibatch_stddev(
        run, 1, "minibatch_stddev: features (6, 3, 2, 2) with group_size = 2 (3 groups):"
    )


@check("minibatch_stddev", name="differentiable", needs=("value",))
def minibatch_stddev_differentiable(run):
    _check_gradient(
        run,
        2,
        atol=1e-3,
        missing="minibatch_stddev: no gradient reaches the features - the discriminator "
        "learns through it, so write it with keras.ops (no numpy)",
        wrong="minibatch_stddev: the gradient with respect to the features is wrong - the "
        "statistic must depend on the features (no stop_gradient on it)",
    )


# -- 17: StyleGAN2's modulated convolution ---------------------------------------------------------
# Docstring: features (n, h, w, C_in), styles (n, C_in), kernel (k, k, C_in, C_out); each sample
# convolved ("same" padding, stride 1) with its own kernel w'_ijk = s_i w_ijk, divided (with
# demodulate=True) by sqrt(sum over (k, k, C_in) of w'^2 + 1e-8), per output map.


def _modulated_conv(
    x, styles, kernel, demodulate=True, modulate=True, demodulate_from="modulated",
    demodulate_axes=(0, 1, 2),
):  # fmt: skip
    x, styles, kernel = (np.asarray(a, dtype="float64") for a in (x, styles, kernel))
    n, height, width, _ = x.shape
    k = kernel.shape[0]
    pad = (k - 1) // 2
    padded = np.pad(x, ((0, 0), (pad, k - 1 - pad), (pad, k - 1 - pad), (0, 0)))
    out = np.zeros((n, height, width, kernel.shape[-1]))
    for b in range(n):
        own = kernel * styles[b][None, None, :, None] if modulate else kernel
        if demodulate:
            source = own if demodulate_from == "modulated" else kernel
            norms = np.sqrt((source**2).sum(axis=demodulate_axes, keepdims=True) + 1e-8)
            own = own / norms
        for dy in range(k):
            for dx in range(k):
                window = padded[b, dy : dy + height, dx : dx + width, :]
                out[b] += window @ own[dy, dx]
    return out


def _modulated_conv_cases():
    rng = np.random.default_rng(170)
    first = (
        rng.normal(size=(2, 5, 5, 3)),
        rng.uniform(0.3, 2.5, size=(2, 3)),
        rng.normal(size=(3, 3, 3, 4)),
    )
    second = (
        rng.normal(size=(3, 4, 4, 2)),
        rng.uniform(0.3, 2.5, size=(3, 2)),
        rng.normal(size=(1, 1, 2, 3)),
    )
    return [first, second]


_MODULATED_CONV = _modulated_conv_cases()
_MODULATED_CONV_WEIGHTS = np.random.default_rng(171).normal(size=(2, 5, 5, 4))


def _modulated_conv_gradient():
    # d/dx sum(modulated_conv2d(x, s, w) * weights), by central differences of the reference
    x, styles, kernel = _MODULATED_CONV[0]
    gradient, step = np.zeros_like(x), 1e-6
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += step
        down[index] -= step
        difference = _modulated_conv(up, styles, kernel) - _modulated_conv(down, styles, kernel)
        gradient[index] = np.sum(difference * _MODULATED_CONV_WEIGHTS)
    return gradient / (2 * step)


@piece("modulated_conv2d", forbidden=("keras_gan.layers.ModulatedConv2D",))
def _modulated_conv_reference():
    (x, s, w), (x2, s2, w2) = _MODULATED_CONV
    probes = [
        {"op": "call", "args": [_array(x), _array(s), _array(w)]},
        {"op": "call", "args": [_array(x2), _array(s2), _array(w2), False]},
        {
            "op": "call_grad",
            "args": [_array(x), _array(s), _array(w)],
            "weights": _array(_MODULATED_CONV_WEIGHTS),
        },
    ]
    return {"probes": probes, "gradient": _modulated_conv_gradient()}


def _check_modulated_conv(run, index, demodulate, context):
    x, styles, kernel = _MODULATED_CONV[index]
    expected = _modulated_conv(x, styles, kernel, demodulate=demodulate)
    got = _value(run, index)
    if got.shape != expected.shape:
        raise CheckFailure(
            f"{context} expected shape {expected.shape} ((n, h, w, C_out), 'same' padding), "
            f"got {got.shape}"
        )
    if np.allclose(got, expected, atol=1e-4, rtol=1e-4):
        return
    hints = [
        (_modulated_conv(x, styles, kernel, demodulate=not demodulate),
         "with demodulate=True divide by the modulated kernel's norm; with demodulate=False "
         "do not" if demodulate else
         "demodulate=False must skip the demodulation (the toRGB layers use it)"),
        (_modulated_conv(x, styles, kernel, demodulate_from="kernel"),
         "demodulate the modulated kernel w' = s w: its norm depends on the styles (sum of "
         "s_i^2 w_ijk^2), not the shared kernel's"),
        (_modulated_conv(x, styles, kernel, demodulate_axes=(0, 1, 3)),
         "the demodulation has one factor per output map j: sum w'^2 over the kernel "
         "positions and the input maps (k, k, C_in), not over the output maps"),
        (_modulated_conv(x, styles, kernel, demodulate=demodulate, modulate=False),
         "modulate: scale the kernel's input maps (or the input features) by each sample's "
         "styles"),
    ]  # fmt: skip
    for value, hint in hints:
        if np.allclose(got, value, atol=1e-4, rtol=1e-4):
            raise CheckFailure(f"{context} wrong values - {hint}")
    raise CheckFailure(f"{context} the outputs differ from each sample's own convolution")


@check("modulated_conv2d", name="value", points=2)
def modulated_conv2d_value(run):
    _check_modulated_conv(
        run, 0, True, "modulated_conv2d: features (2, 5, 5, 3), a 3x3 kernel to 4 maps:"
    )


@check("modulated_conv2d", name="without demodulation", needs=("value",))
def modulated_conv2d_without_demodulation(run):
    _check_modulated_conv(
        run, 1, False, "modulated_conv2d: features (3, 4, 4, 2), a 1x1 kernel, demodulate=False:"
    )


@check("modulated_conv2d", name="differentiable", needs=("value",))
def modulated_conv2d_differentiable(run):
    _check_gradient(
        run,
        2,
        atol=1e-3,
        missing="modulated_conv2d: no gradient reaches the features - the generator learns "
        "through it, so write it with keras.ops (no numpy)",
        wrong="modulated_conv2d: the gradient with respect to the features is wrong",
    )
