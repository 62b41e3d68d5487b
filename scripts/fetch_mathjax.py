"""Fetches MathJax 3 from npm into docs/javascripts/vendor/ (git-ignored) for offline math.

    python scripts/fetch_mathjax.py          # no-op when the file is already there

`mkdocs build` calls it through scripts/mkdocs_hooks.py, so a fresh clone needs no extra step.
It runs `npm pack mathjax@VERSION` (npm checks the tarball's integrity) and keeps one file,
`es5/tex-svg.js`: TeX input with SVG output, fonts included, about 2 MB.
"""

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

VERSION = "3.2.2"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "docs", "javascripts", "vendor", "mathjax", "tex-svg.js")
MEMBER = "package/es5/tex-svg.js"


def fetch(target=TARGET, timeout=180):
    """Returns the path of tex-svg.js, fetching it if needed; None when npm cannot."""
    if os.path.exists(target):
        return target
    npm = shutil.which("npm")
    if npm is None:
        print("fetch_mathjax: npm not found", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run(
                [npm, "pack", f"mathjax@{VERSION}", "--silent"],
                cwd=tmp,
                check=True,
                timeout=timeout,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except (subprocess.SubprocessError, OSError) as error:
            print(f"fetch_mathjax: npm pack mathjax@{VERSION} failed: {error}", file=sys.stderr)
            return None
        with tarfile.open(os.path.join(tmp, f"mathjax-{VERSION}.tgz")) as archive:
            data = archive.extractfile(MEMBER).read()
    os.makedirs(os.path.dirname(target), exist_ok=True)
    partial = target + ".part"
    with open(partial, "wb") as f:
        f.write(data)
    os.replace(partial, target)
    return target


if __name__ == "__main__":
    path = fetch()
    print(path or "MathJax not fetched: the site will use the CDN")
    sys.exit(0 if path else 1)
