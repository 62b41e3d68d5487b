"""The formatter CI runs is the one the pre-commit hook and the dev extra install."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_one_ruff_version_everywhere():
    pinned = re.findall(r"ruff==([0-9.]+)", (ROOT / "pyproject.toml").read_text())
    hooks = re.findall(r"ruff==([0-9.]+)", (ROOT / ".pre-commit-config.yaml").read_text())
    assert len(set(pinned)) == 1, pinned
    assert set(hooks) == set(pinned), (hooks, pinned)
    assert "ruff format --check" in (ROOT / ".ci" / "run").read_text()
