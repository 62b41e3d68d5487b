"""The docs site's browser check (scripts/check_docs_site.py) finds each rendering defect the
issues reported, on pages written to have them; the browser itself is not needed here."""

import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytestmark = pytest.mark.one_backend(
    "tensorflow", reason="reads HTML with the standard library: no backend involved"
)


def checker():
    path = os.path.join(ROOT, "scripts", "check_docs_site.py")
    spec = importlib.util.spec_from_file_location("check_docs_site_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page(body, contents=""):
    """A page as Material for MkDocs lays it out: the contents' links, then the article."""
    return (
        '<html><body><nav class="md-nav md-nav--secondary"><ul>'
        f"{contents}</ul></nav><article>{body}</article></body></html>"
    )


def entry(target, text):
    return f'<li><a href="#{target}" class="md-nav__link"><span>{text}</span></a></li>'


def problems(html, expect_math=False, expect_image=False):
    found, _ = checker().problems_of(html, expect_math=expect_math, expect_image=expect_image)
    return found


GOOD = page(
    '<h2 id="the-three-ds">The three <code>D</code>s<a class="headerlink" href="#the-three-ds">'
    "&para;</a></h2>"
    "<p>Loss <mjx-container>x</mjx-container>, and <code>`code` with `backticks`</code>.</p>"
    "<pre><code>| a | b |\n|---|---|\n$$x$$</code></pre>"
    "<table><tr><td>1</td></tr></table>"
    '<img src="grid.png">'
    '<div class="clipboard-copy-txt">"""A docstring with `spans`."""</div>'
    '<h2 id="keras_gan.models.DCGAN" class="doc doc-heading"><code>keras_gan.models.DCGAN</code>'
    ' <small class="doc doc-labels"><code>dataclass</code></small></h2>',
    contents=entry("the-three-ds", "The three <code>D</code>s")
    + entry("keras_gan.models.DCGAN", "<code>DCGAN</code>"),
)


def test_a_well_rendered_page_passes():
    assert problems(GOOD, expect_math=True, expect_image=True) == []


@pytest.mark.parametrize(
    "html, expected",
    [
        # a code span broken across the rows of a docstring's Returns: table
        (page("<p>A <code>keras.Model</code> mapping images to `[logits (batch, 1),</p>"),
         "a backtick in the text"),
        (page("<p>nested ``backticks` ``</p>"), "a backtick in the text"),
        (page("<p>| layer | size |\n|---|---|\n| conv | 64 |</p>"), "a Markdown table left as"),
        (page("<p>| layer | size |\n| :--- | ---: |</p>"), "a Markdown table left as"),
        (page("<p>$$ \\min_G \\max_D V(D, G) $$</p>"), "display math left as text"),
        (page("<p>\\[ x \\]</p>"), "display math left as text"),
        (page("<p><mjx-container><mjx-merror>bad</mjx-merror></mjx-container></p>"),
         "MathJax errors"),
        # the contents lost the heading's code span: "The three s"
        (page('<h2 id="three">The three <code>D</code>s</h2>', contents=entry("three", "The three s")),
         "contents entry 'The three s' reads differently from its heading 'The three Ds'"),
        # ... and, on a notebook's page, its link led nowhere
        (page('<h2 id="the-three-train_steps">The three <code>train_step</code>s</h2>',
              contents=entry("the-three-s", "The three s")),
         "contents entry 'The three s' links to #the-three-s, which the page lacks"),
    ],
)  # fmt: skip
def test_each_rendering_defect_is_found(html, expected):
    found = problems(html)
    assert any(expected in problem for problem in found), found


def test_math_and_images_are_required_where_expected():
    plain = page("<p>No math here.</p>")
    assert problems(plain) == []
    assert any("no typeset math" in p for p in problems(plain, expect_math=True))
    assert any("no image" in p for p in problems(plain, expect_image=True))


def test_a_folder_without_a_built_site_is_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "check_docs_site.py"), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        == f"{str(tmp_path)!r} holds no built site (index.html): run mkdocs build first"
    )
