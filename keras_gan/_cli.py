"""Shared pieces of the `keras_gan.sample` and `keras_gan.evaluate` command lines.

- `Parser`: argparse whose errors are one line (no usage block) and raise `UsageError`, so
  `main()` can print them and return exit status 2.
- `run_folder` / `run_config`: the training run a checkpoint belongs to. `keras_gan.train` writes
  `RUN/config.json` and `RUN/checkpoints/last.keras`, so a run's checkpoint sits two levels below
  its `config.json`.
- `check_output_file`: refuses an output path that cannot be written, before any work is done.

The torch backend's CPU threads, which all three commands set, are `keras_gan.backend.hints.cpu_threads`.
"""

import argparse
import json
import os
import sys

#: The file `keras_gan.train` writes at the top of a run folder.
RUN_CONFIG = "config.json"


class UsageError(Exception):
    """A problem the user can fix; its message is one line that says how."""


class Parser(argparse.ArgumentParser):
    """`argparse.ArgumentParser` whose errors raise `UsageError` instead of printing usage."""

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")


def fail(prog, error):
    """Prints `error` as one line on stderr and returns exit status 2."""
    message = " ".join(str(error).split())  # one line, whatever the exception's text
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 2


def run_folder(checkpoint):
    """The run folder of `checkpoint` (`RUN` for `RUN/checkpoints/X.keras`), or `None`.

    Args:
        checkpoint: str, the path of a checkpoint.

    Returns:
        The folder two levels above `checkpoint` (relative if `checkpoint` is) when it holds a
        `config.json`, else `None`.
    """
    folder = os.path.normpath(os.path.join(os.fspath(checkpoint), os.pardir, os.pardir))
    return folder if os.path.isfile(os.path.join(folder, RUN_CONFIG)) else None


def run_config(checkpoint):
    """The run's `config.json` as a dict and its path, or `(None, None)` outside a run folder.

    Raises:
        UsageError: the file exists but cannot be read as JSON.
    """
    folder = run_folder(checkpoint)
    if folder is None:
        return None, None
    path = os.path.join(folder, RUN_CONFIG)
    try:
        with open(path) as file:
            saved = json.load(file)
    except (OSError, ValueError) as error:
        raise UsageError(
            f"The run's '{path}' is unreadable ({error}); pass the settings as flags instead."
        ) from error
    if not isinstance(saved, dict):
        raise UsageError(f"The run's '{path}' holds no keras_gan run config; pass flags instead.")
    return saved, path


def check_output_file(path, flag="--output", example="samples.png"):
    """Creates the folder of output file `path`; raises `UsageError` if it cannot be written.

    Args:
        path: str, the file to be written.
        flag: str, the flag that named it, for messages. Defaults to `"--output"`.
        example: str, a file name suggested when `path` is a folder. Defaults to `"samples.png"`.
    """
    if os.path.isdir(path):
        suggestion = os.path.join(path, example)
        raise UsageError(
            f"{flag} '{path}' is a folder; name a file in it, e.g. {flag} {suggestion}"
        )
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise UsageError(
            f"Cannot create the folder of {flag} '{path}' ({error.strerror or error}); choose "
            f"another {flag}."
        ) from error
    existed = os.path.exists(path)
    try:  # open for appending: creates the file, or checks an existing one, changing nothing
        with open(path, "a"):
            pass
    except OSError as error:
        raise UsageError(
            f"Cannot write {flag} '{path}' ({error.strerror or error}); choose another {flag}."
        ) from error
    if not existed:
        os.remove(path)


def write_error(path, error, flag="--output"):
    """A `UsageError` for an `OSError` raised while writing `path` (disk full, ...)."""
    return UsageError(
        f"Writing {flag} '{path}' failed ({error.strerror or error}); free some space or choose "
        f"another {flag}."
    )
