"""The variant registry: command-line names mapped to model classes and their configs.

Each variant module registers itself:

```python
@register("dcgan", config=DCGANConfig, summary="Radford et al. 2015: convolutional GAN")
class DCGAN(GAN):
    ...
```

and `python -m keras_gan.train dcgan` finds it here.
"""

import dataclasses
import difflib

_VARIANTS = {}


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


def register(name, config, summary):
    """Class decorator registering a variant under `name`."""

    def decorator(model_class):
        if name in _VARIANTS and _VARIANTS[name].model_class is not model_class:
            raise ValueError(f"Variant name '{name}' is registered twice.")
        _VARIANTS[name] = Variant(name, model_class, config, summary)
        model_class.variant_name = name
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
