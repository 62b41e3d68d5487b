"""The pieces shared by the three command lines (`keras_gan/_cli.py`)."""

import os

import pytest

from keras_gan import _cli
from keras_gan import backend as gan_backend


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
    line = _cli.cpu_threads("torch")
    assert given == [threads]
    assert f"torch uses {threads} CPU thread(s)" in line and "OMP_NUM_THREADS" in line


def test_threads_are_left_alone_off_torch_on_an_accelerator_or_when_chosen(machine, monkeypatch):
    given = machine(1.5)
    assert _cli.cpu_threads("jax") is None and _cli.cpu_threads("tensorflow") is None
    assert _cli.cpu_threads("torch", accelerators=["cuda:0"]) is None
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert _cli.cpu_threads("torch") is None
    assert given == []
