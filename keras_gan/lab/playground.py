"""A GAN Lab-style playground for the 2-D toys: change the game's settings, watch it train.

In the spirit of GAN Lab (Kahng et al. 2019, <https://poloclub.github.io/ganlab/>): the
discriminator's decision surface $\\sigma(D(x))$ under the real points and the generator's
samples, redrawn as training goes, while the learning rates, k (discriminator updates per
generator update), PacGAN's packing m, the generator's loss and the data are chosen live.

- `ToyGame(settings)`: one game (the lab's PacGAN networks, `build_toy_gan`) that trains in
  chunks (`game.train(steps)`), draws itself (`game.frame()`) and reports its modes
  (`game.modes()`). Learning rates change in place (`game.set_learning_rates`), the rest of
  the settings start a new game.
- `playground(...)`: the same with ipywidgets controls (sliders, drop-downs, Train / Reset
  buttons) and a live figure; needs `pip install ipywidgets` and a Jupyter front end.
- `compare_settings([...], steps)`: the static fallback (CI, the docs, no widgets): several
  settings trained from the same seed, their last frames side by side.
"""

from __future__ import annotations

import dataclasses

import keras

from keras_gan.lab import toy
from keras_gan.lab.experiments import TOY_DATASETS, TOY_DEFAULTS, build_toy_gan

GENERATOR_LOSSES = ("non_saturating", "minimax")
PACKINGS = (1, 2, 4)


@dataclasses.dataclass(frozen=True)
class ToySettings:
    """One game's settings.

    Attributes:
        d_learning_rate: float > 0, the discriminator's Adam step size. Defaults to 5e-4 (the
            lab's CPU-scaled rate; PacGAN's paper uses 1e-4 over 400k steps).
        g_learning_rate: float > 0, the generator's. Defaults to 5e-4.
        discriminator_steps: int in [1, 10], k of Algorithm 1. Defaults to 1 (the paper's).
        packing: int, PacGAN's m, one of 1, 2, 4. Defaults to 1 (no packing).
        generator_loss: `"non_saturating"` (the paper's practical choice) or `"minimax"` (the
            game's own, saturating, loss). Defaults to `"non_saturating"`.
        dataset: `"ring"` (8 modes) or `"grid"` (25). Defaults to `"ring"`.
        seed: int, the weights', the data's and the samples' seed. Defaults to 0.
    """

    d_learning_rate: float = TOY_DEFAULTS["learning_rate"]
    g_learning_rate: float = TOY_DEFAULTS["learning_rate"]
    discriminator_steps: int = 1
    packing: int = 1
    generator_loss: str = "non_saturating"
    dataset: str = "ring"
    seed: int = 0

    def __post_init__(self):
        for name in ("d_learning_rate", "g_learning_rate"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be a positive number. Received: {name}={value!r}")
        k = self.discriminator_steps
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 10:
            raise ValueError(
                f"discriminator_steps must be an int from 1 to 10. Received: discriminator_steps={k!r}"
            )
        for name, accepted in (
            ("packing", PACKINGS),
            ("generator_loss", GENERATOR_LOSSES),
            ("dataset", TOY_DATASETS),
        ):
            value = getattr(self, name)
            if value not in accepted or isinstance(value, bool):
                raise ValueError(
                    f"{name} must be one of {', '.join(map(repr, accepted))}. "
                    f"Received: {name}={value!r}"
                )

    def label(self):
        """A short description of what differs from the defaults (for titles)."""
        default = ToySettings()
        changed = [
            f"{f.name}={getattr(self, f.name)}"
            for f in dataclasses.fields(self)
            if f.name != "seed" and getattr(self, f.name) != getattr(default, f.name)
        ]
        return ", ".join(changed) or "defaults"


class ToyGame:
    """One 2-D game that trains in chunks and draws itself.

    Args:
        settings: a `ToySettings` (or None for the defaults).
        batch_packs: int, packs per discriminator minibatch (`batch_packs * packing` points
            each, `discriminator_steps` minibatches per step). Defaults to 100 (PacGAN's).

    Attributes:
        settings: the `ToySettings`.
        model: the compiled `keras_gan.models.GAN`.
        step: int, adversarial steps trained so far.
        logs: dict of the last `train` call's mean losses (`d_loss`, `g_loss`), empty before
            training.
    """

    def __init__(self, settings=None, batch_packs=TOY_DEFAULTS["batch_packs"]):
        self.settings = settings = settings or ToySettings()
        keras.utils.set_random_seed(settings.seed)
        self.model = build_toy_gan(
            settings.packing,
            seed=settings.seed,
            discriminator_steps=settings.discriminator_steps,
            generator_loss=settings.generator_loss,
        )
        beta_1 = TOY_DEFAULTS["beta_1"]
        self.model.compile(
            d_optimizer=keras.optimizers.Adam(settings.d_learning_rate, beta_1=beta_1),
            g_optimizer=keras.optimizers.Adam(settings.g_learning_rate, beta_1=beta_1),
        )
        # one minibatch of `batch_packs * packing` real points per discriminator update
        self.batch = batch_packs * settings.packing * settings.discriminator_steps
        self.mixture = toy._mixture(settings.dataset)
        self.real, _ = self.mixture.sample(1000, seed=settings.seed + 1)
        self.step = 0
        self.logs = {}

    def set_learning_rates(self, d_learning_rate=None, g_learning_rate=None):
        """Changes the step sizes in place: the game goes on from where it is."""
        changes = {}
        for name, optimizer, value in (
            ("d_learning_rate", self.model.d_optimizer, d_learning_rate),
            ("g_learning_rate", self.model.g_optimizer, g_learning_rate),
        ):
            if value is not None:
                optimizer.learning_rate = value
                changes[name] = value
        if changes:
            self.settings = dataclasses.replace(self.settings, **changes)

    def train(self, steps):
        """Trains `steps` more adversarial steps; returns their mean losses."""
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise ValueError(f"steps must be a positive int. Received: steps={steps!r}")
        # Fresh points for every chunk, drawn from the chunk's own seed: the same game
        # trained in chunks of any size sees other points, but always new ones.
        points, _ = self.mixture.sample(
            steps * self.batch, seed=self.settings.seed + 1000 + self.step
        )
        history = self.model.fit(
            points.astype("float32"), batch_size=self.batch, epochs=1, shuffle=False, verbose=0
        )
        self.step += steps
        self.logs = {name: float(values[-1]) for name, values in history.history.items()}
        return self.logs

    def frame(self, title=None, dpi=80):
        """The decision surface, the real points and 1,000 samples, as an RGB array."""
        from keras_gan.lab.plots import decision_surface_frame

        if title is None:
            losses = "  ".join(f"{k} {v:.3f}" for k, v in self.logs.items())
            title = f"step {self.step}  {losses}".strip()
        return decision_surface_frame(
            self.model, self.real, self.settings.dataset, seed=self.settings.seed, title=title,
            dpi=dpi,
        )  # fmt: skip

    def modes(self):
        """The VEEGAN/PacGAN protocol on 2,500 samples (`keras_gan.lab.toy.count_modes`)."""
        samples = self.model.generate(2500, seed=self.settings.seed + 2)
        return toy.count_modes(samples, self.settings.dataset)


def compare_settings(settings, steps, columns=None):
    """Trains each setting for `steps` from the same seed; their last frames side by side.

    The static stand-in for `playground` where widgets cannot run (CI, the documentation).

    Args:
        settings: list of `ToySettings` (or dicts of its fields).
        steps: int, adversarial steps for each.
        columns: int, frames per row. Defaults to all in one row.

    Returns:
        `(figure, results)`: the matplotlib figure and, per setting, a dict with its
        `settings`, `logs` (the mean losses of its last chunk) and `modes` (`toy.count_modes`).
    """
    from keras_gan.lab.plots import _pyplot

    settings = [s if isinstance(s, ToySettings) else ToySettings(**s) for s in settings]
    if not settings:
        raise ValueError("compare_settings needs at least one setting. Received: settings=[]")
    results, frames = [], []
    for setting in settings:
        game = ToyGame(setting)
        game.train(steps)
        modes = game.modes()
        results.append({"settings": setting, "logs": game.logs, "modes": modes})
        frames.append(
            game.frame(
                title=f"{setting.label()}\n{modes['modes_captured']}/{modes['num_modes']} modes "
                f"after {steps} steps"
            )
        )
    plt = _pyplot()
    columns = columns or len(frames)
    rows = -(-len(frames) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 4 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, frame in zip(axes.ravel(), frames):
        ax.imshow(frame)
    figure.tight_layout()
    return figure, results


def playground(settings=None, steps_per_click=300, redraw_every=50):
    """The live game: ipywidgets controls over a `ToyGame` and its figure.

    Moving a learning-rate slider changes the step size of the running game; changing k, the
    packing, the loss or the data starts a new game (its settings shown above the figure).
    "Train" trains `steps_per_click` steps, redrawing every `redraw_every`; "Reset" starts
    over from the seed.

    Args:
        settings: the first game's `ToySettings`. Defaults to the defaults.
        steps_per_click: int, steps each click of "Train" runs. Defaults to 300.
        redraw_every: int, steps between two redraws. Defaults to 50.

    Returns:
        An `ipywidgets.VBox` (display it, or leave it as a cell's last value); its `game`
        attribute is the current `ToyGame`, its `train_button`/`reset_button` the buttons.

    Raises:
        ImportError: ipywidgets is not installed (the message says how to install it).
    """
    try:
        import ipywidgets as widgets
    except ImportError as error:
        raise ImportError(
            "The live playground needs ipywidgets: pip install ipywidgets (and a Jupyter front "
            "end). Without it, keras_gan.lab.playground.compare_settings draws static figures."
        ) from error
    from PIL import Image

    for name, value in (("steps_per_click", steps_per_click), ("redraw_every", redraw_every)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int. Received: {name}={value!r}")
    settings = settings or ToySettings()
    style = {"description_width": "140px"}
    log_slider = dict(base=10, min=-5, max=-2, step=0.1, readout_format=".1e", style=style)
    d_lr = widgets.FloatLogSlider(
        value=settings.d_learning_rate, description="D learning rate", **log_slider
    )
    g_lr = widgets.FloatLogSlider(
        value=settings.g_learning_rate, description="G learning rate", **log_slider
    )
    k = widgets.IntSlider(
        value=settings.discriminator_steps, min=1, max=10, description="k (D steps)", style=style
    )
    packing = widgets.Dropdown(
        options=PACKINGS, value=settings.packing, description="packing m", style=style
    )
    loss = widgets.Dropdown(
        options=GENERATOR_LOSSES, value=settings.generator_loss, description="G loss", style=style
    )
    dataset = widgets.Dropdown(
        options=TOY_DATASETS, value=settings.dataset, description="data", style=style
    )
    train_button = widgets.Button(description=f"Train {steps_per_click} steps", icon="play")
    reset_button = widgets.Button(description="Reset", icon="undo")
    status = widgets.HTML()
    picture = widgets.Image(format="png")

    def show(game):
        import io

        buffer = io.BytesIO()
        Image.fromarray(game.frame()).save(buffer, format="PNG")
        picture.value = buffer.getvalue()

    def new_game(*_):
        box.game = ToyGame(
            ToySettings(
                d_learning_rate=d_lr.value,
                g_learning_rate=g_lr.value,
                discriminator_steps=k.value,
                packing=packing.value,
                generator_loss=loss.value,
                dataset=dataset.value,
                seed=settings.seed,
            )
        )
        status.value = f"new game: {box.game.settings.label()}"
        show(box.game)

    def change_learning_rates(*_):
        box.game.set_learning_rates(d_lr.value, g_lr.value)
        status.value = (
            f"step {box.game.step}: learning rates now D {d_lr.value:.1e}, G {g_lr.value:.1e}"
        )

    def train(*_):
        train_button.disabled = True
        try:
            done = 0
            while done < steps_per_click:
                chunk = min(redraw_every, steps_per_click - done)
                box.game.train(chunk)
                done += chunk
                show(box.game)
            modes = box.game.modes()
            status.value = (
                f"step {box.game.step}: {modes['modes_captured']}/{modes['num_modes']} modes, "
                f"{modes['high_quality']:.0%} high-quality samples"
            )
        finally:
            train_button.disabled = False

    for control in (k, packing, loss, dataset):
        control.observe(new_game, names="value")
    for control in (d_lr, g_lr):
        control.observe(change_learning_rates, names="value")
    train_button.on_click(train)
    reset_button.on_click(new_game)
    box = widgets.VBox(
        [
            widgets.HBox([widgets.VBox([d_lr, g_lr, k]), widgets.VBox([packing, loss, dataset])]),
            widgets.HBox([train_button, reset_button]),
            status,
            picture,
        ]
    )
    box.train_button, box.reset_button = train_button, reset_button
    box.controls = {
        "d_learning_rate": d_lr, "g_learning_rate": g_lr, "discriminator_steps": k,
        "packing": packing, "generator_loss": loss, "dataset": dataset,
    }  # fmt: skip
    new_game()
    return box
