"""The backend advice of the command lines (`keras_gan/backend/hints.py`): the torch threads
all three set, and the hint naming the fastest backend on a CPU."""

import json
import os

import pytest

from keras_gan import backend as gan_backend
from keras_gan.backend import hints


@pytest.fixture
def machine(monkeypatch):
    """A 2-core CPU whose load average the test sets; returns the threads torch was given."""
    given = []
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(gan_backend, "set_cpu_threads", lambda n: given.append(n) or n)
    monkeypatch.setattr(gan_backend, "accelerators", lambda: [])

    def load(average):
        monkeypatch.setattr(os, "getloadavg", lambda: (average, average, average))
        return given

    return load


@pytest.mark.parametrize("load, threads", [(0.0, 2), (0.4, 2), (1.2, 1), (1.9, 1), (9.0, 1)])
def test_torch_gets_the_cores_not_already_busy(machine, load, threads):
    given = machine(load)
    line = hints.cpu_threads("torch")
    assert given == [threads]
    assert f"torch uses {threads} CPU thread(s)" in line and "OMP_NUM_THREADS" in line


def test_threads_are_left_alone_off_torch_on_an_accelerator_or_when_chosen(machine, monkeypatch):
    given = machine(1.5)
    assert hints.cpu_threads("jax") is None and hints.cpu_threads("tensorflow") is None
    assert hints.cpu_threads("torch", accelerators=["cuda:0"]) is None
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert hints.cpu_threads("torch") is None
    assert given == []


def test_the_backend_hint_matches_the_measured_table():
    path = os.path.join(
        os.path.dirname(__file__), "..", "..", "benchmarks", "results", "step_time_cpu2.json"
    )
    rows = json.load(open(path))["rows"]
    measured = {
        "tensorflow": rows["tensorflow"]["x_plain_pytorch"],
        "tensorflow-xla": rows["tensorflow-xla"]["x_plain_pytorch"],
        "jax": rows["jax-phases-hidden"]["x_plain_pytorch"],
        "torch": rows["torch"]["x_plain_pytorch"],
    }
    assert hints.CPU_STEP_TIME == measured
    hint = hints.backend_hint("jax", object(), accelerators=[])
    assert "KERAS_BACKEND=tensorflow" in hint and "jax 1.06x" in hint
    assert hints.backend_hint("tensorflow", object(), accelerators=[]) is None
    assert hints.backend_hint("jax", object(), accelerators=["GPU"]) is None
