"""The docs' gallery (scripts/make_gallery.py): every grid it lists exists and has its command."""

import json
import pathlib
import subprocess
import sys

import pytest

from keras_gan import registry

ROOT = pathlib.Path(__file__).resolve().parents[1]
# The gallery's records, page and argument checks are files and text: no backend trains here.
pytestmark = pytest.mark.one_backend(
    "tensorflow", reason="the gallery's page and arguments do not depend on the backend"
)
MANIFEST = ROOT / "docs" / "gallery.json"


def records():
    if not MANIFEST.exists():
        pytest.skip("no gallery yet: python scripts/make_gallery.py")
    return json.loads(MANIFEST.read_text())


def test_every_gallery_record_has_its_grid_its_command_and_a_known_variant():
    page = (ROOT / "docs" / "gallery.md").read_text()
    for record in records():
        name = record["variant"]
        assert name in registry.available(), name
        image = ROOT / "docs" / "images" / "gallery" / f"{name}.jpg"
        assert image.exists() and 1_000 < image.stat().st_size < 150_000, image
        assert f"](images/gallery/{name}.jpg)" in page
        command = f"python -m keras_gan.train {name} --steps {record['steps']} --seed 0"
        assert command in page, command
        assert record["steps"] >= 20 and record["seconds"] > 0


def test_the_gallery_page_is_rebuilt_from_its_records_alone(tmp_path):
    # --page-only trains nothing: it rewrites docs/gallery.md from docs/gallery.json, the same
    # page as committed (so the committed page is the script's output, not an edited copy).
    records()
    page = ROOT / "docs" / "gallery.md"
    before = page.read_text()
    try:
        out = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "make_gallery.py"), "--page-only"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert page.read_text() == before
    finally:
        page.write_text(before)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["nosuch"], "unknown variants ['nosuch']; accepted: acgan"),
        (["--seconds", "0"], "--seconds must be positive. Received: 0.0"),
    ],
)
def test_bad_arguments_are_refused_in_one_line(argv, message):
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_gallery.py"), *argv],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr
