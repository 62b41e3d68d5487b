"""Checks the built documentation as a reader sees it, in headless Chromium.

    python -m mkdocs build --strict --site-dir site && python scripts/check_docs_site.py site

Serves the site on 127.0.0.1, opens the home page, an API page with a rendered objective and a
tutorial page, saves a screenshot of each (--out, default site-check/), and reads each page's
DOM after its scripts ran: the math must have become MathJax output (`mjx-container`) with no
`$$` or `\\[` left in the text outside code, and every image must have loaded. Needs Debian's
`chromium` (`apt-get install -y chromium`). Run manually; CI runs only `mkdocs build --strict`.
"""

import argparse
import functools
import glob
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

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


def inspect(url, screenshot):
    chromium(f"--screenshot={screenshot}", url)
    dom = chromium("--dump-dom", url)
    without_code = re.sub(r"<(code|pre|script)\b.*?</\1>", "", dom, flags=re.S)
    text = re.sub(r"<mjx-container\b.*?</mjx-container>", "", without_code, flags=re.S)
    text = re.sub(r"<[^>]+>", "", text)
    return {
        "math_rendered": dom.count("<mjx-container"),
        "raw_display_math": text.count("$$") + text.count("\\["),
        "images": len(re.findall(r"<img\b", dom)),
        "mathjax_errors": dom.count("<mjx-merror") + dom.count("data-mjx-error"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", nargs="?", default="site")
    parser.add_argument("--out", default="site-check")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=args.site)
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    tutorials = sorted(glob.glob(os.path.join(args.site, "tutorials", "*", "index.html")))
    pages = {"home": "/", "api_losses": "/api/losses/"}
    if tutorials:
        pages["tutorial"] = "/" + os.path.relpath(os.path.dirname(tutorials[0]), args.site) + "/"
    failures = []
    for name, path in pages.items():
        shot = os.path.join(args.out, f"{name}.png")
        result = inspect(base + path, shot)
        print(f"{name:11s} {path:40s} {result}  screenshot: {shot}")
        if name != "home" and result["math_rendered"] == 0:
            failures.append(f"{path}: no MathJax output")
        if result["raw_display_math"] or result["mathjax_errors"]:
            failures.append(f"{path}: raw or failed math left: {result}")
    server.shutdown()
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
