"""`--set FIELD=VALUE ...`: any field of a variant's config, for the benchmark scripts.

A value is read as JSON where it parses (numbers, `true`/`false`/`null`, lists) and as text
otherwise (a policy such as `color,translation`, attribute names such as `thick,negative`).
An item without `=`, a field the config does not have or a value it refuses is one `argparse`
error that names it (and, for a field, the accepted ones), before anything is trained or written.

    parser = argparse.ArgumentParser()
    config_flags.add_argument(parser, "StarGANConfig", "base_filters=32")
    args = parser.parse_args()
    config = config_flags.config(parser, args.set, StarGANConfig, seed=args.seed)
"""

import dataclasses
import json


def add_argument(parser, config_name, example):
    """Adds `--set` to `parser`; `example` is shown in its help."""
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="FIELD=VALUE",
        help=f"{config_name} fields to change, e.g. {example}",
    )


def read(parser, items):
    """`{field: value}` from `FIELD=VALUE` items; `parser.error` on an item without `=`."""
    values = {}
    for item in items:
        name, equals, value = item.partition("=")
        if not equals or not name:
            parser.error(f"--set takes FIELD=VALUE pairs. Received: {item!r}")
        try:
            values[name] = json.loads(value)
        except ValueError:
            values[name] = value
    return values


def config(parser, items, config_class, **fixed):
    """`config_class(**fixed, **read(items))`; an unknown field or a refused value is
    `parser.error` naming it and the config's fields."""
    values = read(parser, items)
    try:
        return config_class(**{**fixed, **values})
    except (TypeError, ValueError) as error:
        fields = ", ".join(f.name for f in dataclasses.fields(config_class))
        parser.error(
            f"--set {' '.join(items)}: {error} ({config_class.__name__}'s fields: {fields})"
        )
