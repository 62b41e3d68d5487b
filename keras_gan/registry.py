"""The variant registry: command-line names mapped to model classes, their configs and their data.

Each variant module registers itself:

```python
@register("dcgan", config=DCGANConfig, summary="Radford et al. 2015: convolutional GAN")
class DCGAN(GAN):
    ...
```

and `python -m keras_gan.train dcgan` finds it here. The model class's `data_kind` says what one
batch of its training data is; `Variant.dataset_kwargs` and `Variant.check_dataset` turn that into
the arguments of `keras_gan.datasets.load` and a one-line refusal of a dataset of another kind.
"""

import dataclasses
import difflib
import os

_VARIANTS = {}

#: The batches (`keras_gan.datasets.DatasetInfo.element`) each data kind trains on. Aligned pairs
#: are two image sets too: CycleGAN ignores their pairing (`--paired` asks for them).
ELEMENTS = {
    "images": ("images", "points"),
    "labelled": ("images_labels",),
    "paired": ("paired",),
    "unpaired": ("unpaired", "paired"),
    "captioned": ("captions",),
    "attributed": ("images_attributes",),
}

#: What one batch of each data kind is, in words.
KIND_DESCRIPTIONS = {
    "images": "images",
    "labelled": "(images, labels) batches",
    "paired": "aligned (source, target) image pairs",
    "unpaired": "two image domains",
    "captioned": "captioned images",
    "attributed": "(images, binary attributes) batches",
}

#: The built-in datasets of each data kind, as `--dataset` suggestions in a refusal.
KIND_DATASETS = {
    "images": ("mnist", "fashion_mnist", "cifar10", "celeb_a", "digits", "stacked_mnist",
               "a folder of images"),
    "labelled": ("mnist", "fashion_mnist", "cifar10", "digits", "stacked_mnist",
                 "a folder with a subfolder per class"),
    "paired": ("mnist_edges", "mnist_colour", "mnist_negative", "mnist_superres",
               "a folder of side-by-side pairs"),
    "unpaired": ("mnist_edges", "mnist_colour", "mnist_negative",
                 "cycle_gan/horse2zebra (or another cycle_gan/*)"),
    "captioned": ("mnist_captions",),
    "attributed": ("mnist_attributes", "celeb_a"),
}  # fmt: skip

#: A dataset of each data kind that works without any download: the digit-derived sets read
#: MNIST from `KERAS_GAN_DATA_DIR` when it is there, else scikit-learn's bundled digits.
OFFLINE_DATASETS = {
    "images": "digits", "labelled": "digits", "paired": "mnist_edges",
    "unpaired": "mnist_edges", "captioned": "mnist_captions", "attributed": "mnist_attributes",
}  # fmt: skip

# The batches of the built-in datasets as `keras_gan.datasets.load` gives them by default, so a
# dataset of the wrong kind is refused before anything is loaded (or downloaded).
_BUILT_IN_ELEMENTS = {
    **dict.fromkeys(
        ("mnist", "fashion_mnist", "cifar10", "celeb_a", "digits", "stacked_mnist"), "images"
    ),
    **dict.fromkeys(("ring", "grid"), "points"),
    **dict.fromkeys(
        ("mnist_edges", "mnist_colour", "mnist_color", "mnist_negative", "mnist_superres"), "paired"
    ),
    "mnist_captions": "captions",
    "mnist_attributes": "images_attributes",
}


def _built_in_element(name, options):
    """The batches `keras_gan.datasets.load(name, **options)` gives, or None when not known."""
    if not isinstance(name, str) or os.path.isdir(os.path.expanduser(name)):
        return None
    if name.startswith("cycle_gan/"):
        return "unpaired"
    element = _BUILT_IN_ELEMENTS.get(name)
    if element == "images" and options.get("attributes") is not None:
        return "images_attributes"  # a tfds set with binary attributes (celeb_a)
    if element == "images" and options.get("with_labels"):
        return "images_labels"
    if element == "paired" and options.get("paired") is False:
        return "unpaired"
    return element


@dataclasses.dataclass(frozen=True)
class Variant:
    """A registered variant.

    Attributes:
        name: the command-line name, e.g. `"wgan_gp"`.
        model_class: the `AdversarialModel` subclass.
        config_class: its training config dataclass.
        summary: one line for `--list`.
    """

    name: str
    model_class: type
    config_class: type
    summary: str

    @property
    def data_kind(self):
        """What one batch of the training data is: a key of `ELEMENTS` (the model's `data_kind`)."""
        return getattr(self.model_class, "data_kind", "images")

    def dataset_kwargs(self, config):
        """The keyword arguments of `keras_gan.datasets.load` (and `info`) for a run's config.

        `image_size` and `seed` from the config, `with_labels=True` for labelled variants, and
        what the model class's `dataset_options(config)` adds (e.g. CycleGAN's `paired=False`).
        `batch_size` is left to the caller.

        Args:
            config: the variant's config dataclass instance.

        Returns:
            dict.
        """
        kwargs = {"image_size": config.image_size, "seed": config.seed}
        if self.data_kind == "labelled":
            kwargs["with_labels"] = True
        options = getattr(self.model_class, "dataset_options", None)
        if options is not None:
            kwargs.update(options(config))
        return kwargs

    def check_dataset(self, config, info=None):
        """Refuses a dataset this variant cannot train on, in one line that names the fix.

        Without `info`, a built-in dataset is checked by name before anything is loaded (or
        downloaded); other names pass, to be checked once loaded. With `info`, the loaded
        batches are checked, then the model class's own `check_dataset_info(config, info)`
        (e.g. pix2pix's pixel-aligned pairs), where it has one.

        Args:
            config: the variant's config dataclass instance (`config.dataset` is the name).
            info: optional `keras_gan.datasets.DatasetInfo` of
                `datasets.info(config.dataset, **self.dataset_kwargs(config))`.

        Raises:
            ValueError: naming the variant's kind, the dataset's, and the datasets that fit.
        """
        kind, name = self.data_kind, config.dataset
        if info is None:
            element = _built_in_element(name, self.dataset_kwargs(config))
        else:
            element = info.element
        if element is not None and element not in ELEMENTS.get(kind, (element,)):
            raise ValueError(
                f"{self.name} trains on {KIND_DESCRIPTIONS.get(kind, kind)}, but dataset "
                f"'{name}' yields '{element}' batches. {self.dataset_hint()}"
            )
        hook = getattr(self.model_class, "check_dataset_info", None)
        if info is not None and hook is not None:
            hook(config, info)

    def dataset_hint(self):
        """`"Choose a dataset of that kind with --dataset: ..."`, naming the ones that fit.

        The model class's `suggested_datasets` where it has them, else its kind's built-in ones.
        """
        kind_names = KIND_DATASETS.get(self.data_kind, ())
        names = getattr(self.model_class, "suggested_datasets", None) or kind_names
        listed = f": {', '.join(names)}." if names else "."
        return f"Choose a dataset of that kind with --dataset{listed}"


def register(name, config, summary):
    """Class decorator registering a variant under `name`."""

    def decorator(model_class):
        if name in _VARIANTS and _VARIANTS[name].model_class is not model_class:
            raise ValueError(f"Variant name '{name}' is registered twice.")
        _VARIANTS[name] = Variant(name, model_class, config, summary)
        model_class.variant_name = name
        model_class.config_class = config
        model_class.show_hyperparameters()
        return model_class

    return decorator


def available():
    """Names of every registered variant, sorted."""
    import keras_gan.models  # noqa: F401  (registers the variants)

    return sorted(_VARIANTS)


def get(name):
    """The `Variant` registered under `name`.

    Raises:
        ValueError: for an unknown name, listing the available ones and the nearest.
    """
    names = available()
    if name not in _VARIANTS:
        close = difflib.get_close_matches(str(name), names, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ValueError(f"Unknown variant '{name}'.{hint} Available: {', '.join(names)}")
    return _VARIANTS[name]
