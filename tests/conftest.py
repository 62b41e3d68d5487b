import os

import keras
import pytest

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def pytest_report_header(config):
    return f"keras backend: {keras.backend.backend()}"


@pytest.fixture
def parity_dir():
    return os.path.join(FIXTURES, "parity")
