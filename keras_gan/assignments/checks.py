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


def _number(run, index, what):
    """A Python float from a scalar output, or a CheckFailure saying what came back instead."""
    array = np.asarray(_protocol.decode(_result(run, index)["value"]), dtype="float64")
    if array.size != 1:
        raise CheckFailure(
            f"{what} returned a tensor of shape {array.shape}, expected a scalar: take the "
            "mean over the batch (ops.mean)"
        )
    return float(array.reshape(()))


def _close(got, expected):
    return bool(np.isfinite(got)) and abs(got - expected) <= 1e-4 + 1e-4 * abs(expected)


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
