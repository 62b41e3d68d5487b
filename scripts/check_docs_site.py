"""Checks the built documentation as a reader sees it, in headless Chromium: every page.

    python -m mkdocs build --strict --site-dir site && python scripts/check_docs_site.py site

Serves the site on 127.0.0.1, opens every page (each `index.html`), reads its DOM after its
scripts ran, and fails on what `mkdocs build --strict` cannot see:

- math: any `$$` or `\\[` left in the text outside code (MathJax did not typeset it), any
  MathJax error, and a page that holds no typeset math where the sources wrote some;
- code spans: a backtick left in the text outside code (a broken or nested code span);
- tables: a line of a Markdown table (`| --- |`) left in the text (the table did not render);
- the table of contents: each entry must link to a heading of the page and read as it does (a
  code span in a notebook's heading used to vanish from the contents, "The three s", whose
  link led nowhere);
- images: every file a page asked for (images, scripts, styles) was served; each tutorial page
  shows at least one image when the site was built from executed notebooks
  (`KERAS_GAN_EXECUTED_TUTORIALS`, as CI does).

It saves a screenshot of the home page, an API page and the first tutorial (--out, default
site-check/). Needs Debian's `chromium` (`apt-get install -y chromium`). CI runs it after the
documentation build.
"""

import argparse
import concurrent.futures
import functools
import glob
import html.parser
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--virtual-time-budget=15000",
    "--window-size=1280,1600",
]
# Text inside these elements is code or typeset math, not prose.
NOT_PROSE = {"code", "pre", "script", "style", "mjx-container", "svg", "kbd", "textarea"}
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$", re.M)
# The labels mkdocstrings puts after an object's name in its heading.
API_LABELS = re.compile(
    r"( (dataclass|property|classmethod|staticmethod|abstractmethod|module-attribute))+$"
)
SCREENSHOTS = {"home": "/", "api_losses": "/api/losses/"}


def chromium(*args, timeout=120):
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        sys.exit("chromium not found: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    return done.stdout


class PageReader(html.parser.HTMLParser):
    """Collects a rendered page's prose (text outside code and math), its headings by id and
    the table of contents' entries by target, its images and its typeset math."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.prose = []
        self.headings = {}  # id -> text
        self.contents = {}  # "#id" -> text of the contents entry
        self.ids = set()  # every id on the page: the anchors a link can reach
        self.images = 0
        self.math = 0
        self.math_errors = 0
        self._skip = 0  # depth inside NOT_PROSE elements
        self._open = []  # [kind, key, pieces] for headings and contents links being read

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "img":
            self.images += 1
        if tag == "mjx-container":
            self.math += 1
        if tag == "mjx-merror" or "data-mjx-error" in attrs:
            self.math_errors += 1
        if tag in NOT_PROSE:
            self._skip += 1
        if re.fullmatch(r"h[1-6]", tag) and attrs.get("id"):
            # mkdocstrings' headings read "keras_gan.models.DCGAN dataclass"; their contents
            # entries the object's own name, "DCGAN".
            api = "doc-heading" in (attrs.get("class") or "")
            self._open.append(["api heading" if api else "heading", attrs["id"], [], tag])
        elif tag == "a" and "md-nav__link" in (attrs.get("class") or ""):
            if (attrs.get("href") or "").startswith("#"):
                self._open.append(["contents", attrs["href"], [], tag])
        elif tag in ("a", "div") and re.search(
            r"\b(headerlink|anchor-link|clipboard-copy-txt)\b", attrs.get("class") or ""
        ):  # the pilcrow after a heading; a code cell's hidden copy for the clipboard
            self._open.append(["ignore", None, [], tag])

    def handle_endtag(self, tag):
        if tag in NOT_PROSE and self._skip:
            self._skip -= 1
        if self._open and self._open[-1][3] == tag:
            kind, key, pieces, _ = self._open.pop()
            text = " ".join("".join(pieces).split())
            if kind == "heading":
                self.headings[key] = text
            elif kind == "api heading":
                self.headings[key] = API_LABELS.sub("", text).rsplit(".", 1)[-1]
            elif kind == "contents":
                self.contents.setdefault(key, text)

    def handle_data(self, data):
        for entry in self._open:
            if entry[0] == "ignore":
                return
        for entry in self._open:
            entry[2].append(data)
        if not self._skip:
            self.prose.append(data)


def problems_of(dom, *, expect_math, expect_image):
    """What is wrong with one page's DOM, as a list of sentences (empty when nothing is)."""
    page = PageReader()
    page.feed(dom)
    prose = "".join(page.prose)
    found = []
    if "$$" in prose or "\\[" in prose:
        found.append("display math left as text ($$ or \\[): MathJax did not typeset it")
    if page.math_errors:
        found.append(f"{page.math_errors} MathJax errors")
    if expect_math and not page.math:
        found.append("no typeset math, though the page's source holds some")
    for line in prose.splitlines():
        if "`" in line:
            found.append(f"a backtick in the text (a broken code span): {line.strip()[:100]!r}")
            break
    rule = TABLE_RULE.search(prose)
    if rule:
        found.append(f"a Markdown table left as text: {rule.group(0).strip()[:80]!r}")
    for target, entry in page.contents.items():
        if target[1:] not in page.ids:
            found.append(f"contents entry {entry!r} links to {target}, which the page lacks")
            continue
        heading = page.headings.get(target[1:])
        if heading is not None and heading != entry:
            found.append(f"contents entry {entry!r} reads differently from its heading {heading!r}")
    if expect_image and not page.images:
        found.append("no image (an executed tutorial page shows its figures)")
    return found, page


def source_has_math(html_file):
    """Whether the page as built (before its scripts ran) holds math for MathJax."""
    with open(html_file, encoding="utf-8") as file:
        text = file.read()
    return 'class="arithmatex"' in text or ("\\(" in text and "MathJax" in text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", nargs="?", default="site")
    parser.add_argument("--out", default="site-check")
    parser.add_argument("--jobs", type=int, default=2, help="pages read at once")
    parser.add_argument("-k", dest="only", help="check only the pages whose path holds this")
    parser.add_argument(
        "--executed",
        action="store_true",
        help="the site was built from executed tutorials: each tutorial page must show an image",
    )
    args = parser.parse_args()
    if not os.path.isfile(os.path.join(args.site, "index.html")):
        sys.exit(f"{args.site!r} holds no built site (index.html): run mkdocs build first")
    os.makedirs(args.out, exist_ok=True)
    missing = []  # (the page that asked, the path not found)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *values):
            pass

        def send_error(self, code, message=None, explain=None):
            if code == 404 and not self.path.endswith("favicon.ico"):
                page = urllib.parse.urlsplit(self.headers.get("Referer") or "").path
                missing.append((page, self.path))
            super().send_error(code, message, explain)

    handler = functools.partial(Handler, directory=args.site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages = sorted(
        "/" + os.path.relpath(os.path.dirname(path), args.site).replace(os.sep, "/") + "/"
        for path in glob.glob(os.path.join(args.site, "**", "index.html"), recursive=True)
    )
    pages = [page.replace("/./", "/") for page in pages if not args.only or args.only in page]
    tutorials = [page for page in pages if page.startswith("/tutorials/") and page.count("/") == 3]
    screenshots = dict(SCREENSHOTS, **({"tutorial": tutorials[0]} if tutorials else {}))

    def check(path):
        html_file = os.path.join(args.site, path.strip("/"), "index.html")
        dom = chromium("--dump-dom", base + path)
        return problems_of(
            dom,
            expect_math=source_has_math(html_file),
            expect_image=args.executed and path in tutorials,
        )

    failures = 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for path, (found, page) in zip(pages, pool.map(check, pages)):
            found += [f"{url} not found (404)" for asker, url in missing if asker == path]
            print(
                f"{'FAIL' if found else 'ok  '} {path:45s} math {page.math:4d}  images "
                f"{page.images:3d}  contents {len(page.contents):3d}",
                flush=True,
            )
            for problem in found:
                print(f"       {problem}")
            failures += bool(found)
    for name, path in screenshots.items():
        shot = os.path.join(args.out, f"{name}.png")
        chromium(f"--screenshot={shot}", base + path)
        print(f"screenshot of {path}: {shot}")
    server.shutdown()
    print(f"{len(pages)} pages, {failures} with problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
