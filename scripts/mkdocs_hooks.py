"""mkdocs hooks (mkdocs.yml `hooks:`): offline MathJax and a nav that follows the files.

- MathJax: `scripts/fetch_mathjax.py` puts MathJax 3 (from npm) in the git-ignored
  `docs/javascripts/vendor/`; if it cannot, the site falls back to the CDN.
- Nav: the `Tutorials` section lists `tutorials/*.ipynb` (reached through the `docs/tutorials`
  symlink) and the `Variants` section lists `docs/variants/*.md` in the course order of
  `VARIANTS`, each titled by its first heading; any nav entry whose page does not exist (a page
  another engineer has not written yet) is dropped, so `mkdocs build --strict` passes whatever
  subset exists.
- Solutions: a tutorial with graded pieces is rendered (and offered for download) as its student
  version, built by `keras_gan.assignments.build` into a temporary folder: the public pages
  never show what lies between `### BEGIN SOLUTION` and `### END SOLUTION`.
"""

import glob
import importlib.util
import json
import logging
import os
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


def _tutorials(docs_dir):
    paths = sorted(glob.glob(os.path.join(docs_dir, "tutorials", "*.ipynb")))
    return [{_title_of_notebook(p): f"tutorials/{os.path.basename(p)}"} for p in paths]


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


def on_files(files, config, **kwargs):
    """Points each tutorial with solutions at its student version (the page and the download)."""
    build = None
    folder = os.path.join(tempfile.mkdtemp(prefix="keras_gan_docs_"), "tutorials")
    for file in files:
        source = file.abs_src_path or ""
        if not (file.src_uri.startswith("tutorials/") and source.endswith(".ipynb")):
            continue
        with open(source, encoding="utf-8") as handle:
            if "### BEGIN SOLUTION" not in handle.read():
                continue
        build = build or _build_module()
        import nbformat

        student, info, _ = build.build_notebook(
            build.read_notebook(source), source_name=os.path.basename(source)
        )
        os.makedirs(folder, exist_ok=True)
        target = os.path.join(folder, os.path.basename(source))
        nbformat.write(student, target)
        file.abs_src_path = target
        log.info(
            "%s: rendered without its solutions (%d graded)", file.src_uri, len(info["graded"])
        )
    return files
