"""mkdocs hooks (mkdocs.yml `hooks:`): offline MathJax and a nav that follows the files.

- MathJax: `scripts/fetch_mathjax.py` puts MathJax 3 (from npm) in the git-ignored
  `docs/javascripts/vendor/`; if it cannot, the site falls back to the CDN.
- Nav: the `Tutorials` section lists `tutorials/*.ipynb` (reached through the `docs/tutorials`
  symlink) in the course order of the table in `tutorials/README.md`, and the `Variants`
  section lists `docs/variants/*.md` in the course order of `VARIANTS`, each titled by its
  first heading; any nav entry whose page does not exist (a page another engineer has not
  written yet) is dropped, so `mkdocs build --strict` passes whatever subset exists.
- Solutions: a tutorial with graded pieces or worked exercise solutions is rendered (and offered
  for download) as its student version, built by `keras_gan.assignments.build` into a temporary
  folder: the public pages never show what lies between `### BEGIN SOLUTION` and
  `### END SOLUTION`, nor a cell tagged `instructor-solution`.
- Contents of a tutorial: rebuilt from the headings of its rendered page (mkdocs-jupyter's
  own contents drops a heading's code span and links to an id the page lacks: "The three s",
  `#the-three-s`, for "The three `train_step`s" with id `the-three-train_steps`).
- Executed tutorials: with `KERAS_GAN_EXECUTED_TUTORIALS=DIR` (the `OUT_DIR` of
  `scripts/run_tutorials.sh`), each tutorial page shows the outputs of its executed copy (figures,
  sample grids, animations), checked to run the same code; CI builds the site so.
"""

import copy
import glob
import html
import html.parser
import importlib.util
import json
import logging
import os
import re
import sys
import tempfile

log = logging.getLogger("mkdocs.hooks.keras_gan")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCAL_MATHJAX = "javascripts/vendor/mathjax/tex-svg.js"
CDN_MATHJAX = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-svg.js"
# Course order of the variant pages (docs/variants/<name>.md); others follow alphabetically.
VARIANTS = [
    "gan",
    "dcgan",
    "cgan",
    "acgan",
    "infogan",
    "lsgan",
    "wgan",
    "wgan_gp",
    "sngan",
    "progan",
    "stylegan",
    "sagan",
    "biggan",
    "logan",
    "unrolled_gan",
    "improved_gan",
    "pix2pix",
    "cyclegan",
    "cogan",
    "stargan",
    "ugatit",
    "srgan",
    "lapgan",
    "gan_int_cls",
]


def _title_of_markdown(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# "):
                return line[2:].strip()
    return os.path.splitext(os.path.basename(path))[0]


def _title_of_notebook(path):
    try:
        with open(path, encoding="utf-8") as f:
            cells = json.load(f)["cells"]
        for cell in cells:
            if cell["cell_type"] == "markdown":
                for line in "".join(cell["source"]).splitlines():
                    if line.startswith("# "):
                        return line[2:].strip()
    except (OSError, ValueError, KeyError):
        pass
    return os.path.splitext(os.path.basename(path))[0]


def _variants(docs_dir):
    found = {
        os.path.splitext(os.path.basename(p))[0]: p
        for p in glob.glob(os.path.join(docs_dir, "variants", "*.md"))
    }
    order = [n for n in VARIANTS if n in found] + sorted(set(found) - set(VARIANTS))
    return [{_title_of_markdown(found[n]): f"variants/{n}.md"} for n in order]


# A row of the course-order table in tutorials/README.md: `| 06 | [`06_evaluation`](...) |`.
_COURSE_ROW = re.compile(r"^\|\s*(\d\d)\s*\|")


def course_order(readme):
    """The notebook numbers in the order of the course table of `readme` (tutorials/README.md)."""
    numbers = []
    try:
        with open(readme, encoding="utf-8") as f:
            for line in f:
                match = _COURSE_ROW.match(line)
                if match and match.group(1) not in numbers:
                    numbers.append(match.group(1))
    except OSError:
        pass
    return numbers


def _tutorials(docs_dir):
    """The tutorial pages in course order (tutorials/README.md's table); any other by number."""
    paths = sorted(glob.glob(os.path.join(docs_dir, "tutorials", "*.ipynb")))
    order = course_order(os.path.join(docs_dir, "tutorials", "README.md"))

    def rank(path):
        number = os.path.basename(path)[:2]
        return (order.index(number) if number in order else len(order), path)

    return [
        {_title_of_notebook(p): f"tutorials/{os.path.basename(p)}"} for p in sorted(paths, key=rank)
    ]


def _prune(items, docs_dir, generated):
    """Fills the generated sections and drops entries whose page does not exist."""
    kept = []
    for item in items:
        if isinstance(item, dict):
            ((title, value),) = item.items()
            if title in generated:
                value = generated[title]
            if isinstance(value, list):
                value = _prune(value, docs_dir, generated)
                if value:
                    kept.append({title: value})
                continue
            item = {title: value}
        else:
            value = item
        if (
            isinstance(value, str)
            and "://" not in value
            and not os.path.exists(os.path.join(docs_dir, value))
        ):
            log.info("nav: %s does not exist yet, left out", value)
            continue
        kept.append(item)
    return kept


def on_config(config, **kwargs):
    docs_dir = config["docs_dir"]
    generated = {"Variants": _variants(docs_dir), "Tutorials": _tutorials(docs_dir)}
    if config["nav"]:
        config["nav"] = _prune(config["nav"], docs_dir, generated)

    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    try:
        from fetch_mathjax import fetch
    finally:
        sys.path.pop(0)
    scripts = config["extra_javascript"]
    if fetch() is None:
        log.info("MathJax could not be fetched from npm: the site loads it from the CDN")
        for i, script in enumerate(scripts):
            if str(script) == LOCAL_MATHJAX:
                scripts[i] = CDN_MATHJAX
    return config


def _build_module():
    """`keras_gan/assignments/build.py`, loaded alone (it needs nbformat, not keras)."""
    path = os.path.join(ROOT, "keras_gan", "assignments", "build.py")
    spec = importlib.util.spec_from_file_location("keras_gan_docs_build", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _injected(cell):
    """The cell papermill adds after the parameters cell, with the values it was given."""
    return "injected-parameters" in cell.get("metadata", {}).get("tags", [])


def _code_sources(notebook):
    """The code cells' sources, without the cell papermill injects for the parameters."""
    return [
        "".join(cell.get("source", ""))
        for cell in notebook.cells
        if cell.get("cell_type") == "code" and not _injected(cell)
    ]


WIDGET = "application/vnd.jupyter.widget-view+json"  # a live widget: nothing on a static page


def _with_outputs(notebook, executed):
    """The committed notebook (its prose as it is now) with the executed copy's outputs."""
    page = copy.deepcopy(notebook)
    ran = [c for c in executed.cells if c.get("cell_type") == "code" and not _injected(c)]
    mine = [c for c in page.cells if c.get("cell_type") == "code"]
    for cell, result in zip(mine, ran):
        cell["outputs"] = [o for o in result.get("outputs", []) if WIDGET not in o.get("data", {})]
        cell["execution_count"] = result.get("execution_count")
    return page


def _executed_banner(nbformat, notebook):
    """The note that opens an executed page: how it was run, and how to run it in full."""
    quick = any(
        _injected(cell) and "quick = True" in "".join(cell.get("source", ""))
        for cell in notebook.cells
    )
    # Every tutorial's first code cells print "Keras backend: NAME".
    printed = "".join(
        output.get("text", "") if isinstance(output.get("text", ""), str) else ""
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
    found = re.search(r"Keras backend: (\w+)", printed)
    backend = found.group(1) if found else "a backend it did not print"
    how = (
        "with `quick = True` (a few steps: the figures show the mechanics, not trained "
        "models; run it with the defaults for those)"
        if quick
        else "at its default settings"
    )
    return nbformat.v4.new_markdown_cell(
        f"> **An executed copy.** The outputs below come from running this notebook top to "
        f"bottom on {backend}, {how}, when this site was built (`scripts/run_tutorials.sh`, "
        "then the docs build with `KERAS_GAN_EXECUTED_TUTORIALS`; see the tutorials' README)."
    )


def on_files(files, config, **kwargs):
    """Renders each tutorial from its executed copy, when there is one, without its solutions.

    `KERAS_GAN_EXECUTED_TUTORIALS=DIR` (a folder of `scripts/run_tutorials.sh`'s executed
    notebooks, its `OUT_DIR`): each tutorial whose executed copy is there, with the same code
    as the one in `tutorials/`, is rendered with its outputs; a missing or stale copy is
    rendered without outputs, with a warning (which `mkdocs build --strict` turns into a
    failure). A tutorial with graded pieces is rendered (and offered for download) as its
    student version: solutions stubbed and their cells' outputs removed.
    """
    import nbformat

    executed_dir = os.environ.get("KERAS_GAN_EXECUTED_TUTORIALS")
    if executed_dir and not os.path.isdir(executed_dir):
        log.warning("KERAS_GAN_EXECUTED_TUTORIALS=%s is not a folder", executed_dir)
        executed_dir = None
    build = None
    folder = os.path.join(tempfile.mkdtemp(prefix="keras_gan_docs_"), "tutorials")
    for file in files:
        source = file.abs_src_path or ""
        if not (file.src_uri.startswith("tutorials/") and source.endswith(".ipynb")):
            continue
        notebook = nbformat.read(source, as_version=4)
        executed = None
        if executed_dir:
            path = os.path.join(executed_dir, os.path.basename(source))
            if not os.path.exists(path):
                log.warning(
                    "%s: no executed copy in %s; rendered without outputs",
                    file.src_uri,
                    executed_dir,
                )
            else:
                executed = nbformat.read(path, as_version=4)
                if _code_sources(executed) != _code_sources(notebook):
                    log.warning(
                        "%s: the executed copy in %s runs other code (an older version?); "
                        "rendered without outputs", file.src_uri, executed_dir,
                    )  # fmt: skip
                    executed = None
        build = build or _build_module()
        solutions = build.has_solutions(notebook)  # graded pieces, or exercises' worked solutions
        if executed is None and not solutions:
            continue
        page = notebook
        if executed is not None:
            # The page (and its download) keeps the notebook's own prose and parameters; the
            # note says which parameters ran.
            page = _with_outputs(notebook, executed)
            page.cells.insert(1, _executed_banner(nbformat, executed))
        if solutions:
            page, info, _ = build.build_notebook(
                page, source_name=os.path.basename(source), keep_outputs=executed is not None
            )
            log.info(
                "%s: rendered without its solutions (%d graded, %d worked exercise cells)",
                file.src_uri, len(info["graded"]), info["instructor_cells_removed"],
            )  # fmt: skip
        if executed is not None:
            images = sum(
                "image/png" in output.get("data", {})
                for cell in page.cells
                for output in cell.get("outputs", [])
            )
            if images == 0:  # every tutorial draws: none means the run could not show them
                log.warning(
                    "%s: the executed copy in %s has no figure (was MPLBACKEND set for its "
                    "kernel?)", file.src_uri, executed_dir,
                )  # fmt: skip
            else:
                log.info("%s: rendered with its outputs (%d figures)", file.src_uri, images)
        os.makedirs(folder, exist_ok=True)
        target = os.path.join(folder, os.path.basename(source))
        nbformat.write(page, target)
        file.abs_src_path = target
    return files


class _Headings(html.parser.HTMLParser):
    """The headings of a rendered page with an id: `(level, id, text)`, the pilcrow left out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._open = None  # [level, id, pieces] of the heading being read
        self._anchor = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag) and attrs.get("id"):
            self._open = [int(tag[1]), attrs["id"], []]
        elif tag == "a" and "anchor-link" in (attrs.get("class") or "").split():
            self._anchor = True

    def handle_endtag(self, tag):
        if tag == "a":
            self._anchor = False
        elif self._open is not None and tag == f"h{self._open[0]}":
            level, anchor, pieces = self._open
            self.found.append((level, anchor, " ".join("".join(pieces).split())))
            self._open = None

    def handle_data(self, data):
        if self._open is not None and not self._anchor:
            self._open[2].append(data)


def contents_tokens(html_text):
    """The headings of a rendered page, nested as Python-Markdown's toc tokens (`level`, `id`,
    `name`, `children`): each heading under the nearest heading of a higher level before it."""
    reader = _Headings()
    reader.feed(html_text)
    nested, open_tokens = [], []
    for level, anchor, text in reader.found:
        token = {"level": level, "id": anchor, "name": html.escape(text), "children": []}
        while open_tokens and open_tokens[-1]["level"] >= level:
            open_tokens.pop()
        (open_tokens[-1]["children"] if open_tokens else nested).append(token)
        open_tokens.append(token)
    return nested


def on_page_content(html_text, page, config, files, **kwargs):
    """A tutorial page's contents, from the headings it shows: each entry reads as its heading
    (code spans included) and links to the heading's own id."""
    if not (page.file.src_uri.startswith("tutorials/") and page.file.src_uri.endswith(".ipynb")):
        return html_text
    from mkdocs.structure.toc import get_toc

    page.toc = get_toc(contents_tokens(html_text))
    return html_text
