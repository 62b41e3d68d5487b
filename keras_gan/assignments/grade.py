"""The autograder: runs the reference checks on the functions a student wrote in a notebook.

    python -m keras_gan.assignments grade student/04_wasserstein.ipynb [--json]

It does not run the notebook. It reads the code cells, takes the graded definitions (listed in
the notebook's `keras_gan_assignment` metadata by `build`, or found from the solution markers
of a full notebook), the definitions and constants they use, and every import, and executes
only those in a subprocess (which inherits `KERAS_BACKEND`). Each check then runs in that
subprocess under a time limit: a check that runs too long scores 0 and the subprocess is
replaced, so hanging code never hangs the grader. Syntax errors, unfinished TODOs and
exceptions become one-line messages naming the cell and line.
"""

import ast
import json
import os
import re
import select
import subprocess
import sys
import tempfile
import time

from keras_gan.assignments import build as build_lib
from keras_gan.assignments import checks as checks_lib

SETUP_TIMEOUT = 300  # seconds to start Python, import keras and define the student's code
CHECK_TIMEOUT = 60  # seconds per check


class GradingError(ValueError):
    """The notebook cannot be graded at all (missing file, not a notebook)."""


# -- reading the notebook --------------------------------------------------------------------------


def _clean(source):
    """Blanks IPython magics and shell escapes, keeping line numbers."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")
    )


def _used_names(node):
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.add(child.id)
    return names


def _is_constant(node):
    try:
        ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return all(isinstance(t, ast.Name) for t in node.targets)


def graded_names(notebook):
    """Qualified names of the graded definitions: from the build metadata, else the markers."""
    info = notebook.metadata.get(build_lib.METADATA_KEY)
    if info and info.get("graded"):
        return [(g["name"], g.get("cell")) for g in info["graded"]]
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        source = build_lib.cell_source(cell)
        if build_lib.BEGIN_SOLUTION not in source:
            continue
        try:
            _, names, _ = build_lib.stub_source(source)
        except build_lib.BuildError:
            names = []
        found += [(name, index) for name in names]
    if not found:  # a notebook without markers or metadata: every definition that has checks
        for index, cell in enumerate(notebook.cells):
            if cell.get("cell_type") != "code":
                continue
            try:
                tree = ast.parse(_clean(build_lib.cell_source(cell)))
            except SyntaxError:
                continue
            for name, _ in build_lib._definitions(tree):
                if name.count(".") <= 1 and checks_lib.checks_for(name):
                    found.append((name, index))
    return list(dict.fromkeys(found))


def extract(notebook):
    """What to execute: `(snippets, cells, problems)`.

    `snippets` are dicts `{kind, name, code, cell}` in notebook order: every import, and the
    graded definitions with the top-level definitions and constants they use (transitively).
    `problems` maps a graded top-level name to why it cannot be defined (a syntax error).
    """
    graded = graded_names(notebook)
    cells, definitions, imports, syntax_errors = {}, {}, [], {}
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "code":
            continue
        source = _clean(build_lib.cell_source(cell))
        cells[index] = source
        try:
            tree = ast.parse(source)
        except SyntaxError as error:
            syntax_errors[index] = error
            continue
        lines = source.split("\n")
        for node in tree.body:
            start = min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])
            # pad with blank lines so that tracebacks give the cell's own line numbers
            code = "\n" * (start - 1) + "\n".join(lines[start - 1 : node.end_lineno]) + "\n"
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                imports.append({"kind": "import", "name": None, "code": code, "cell": index})
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                definitions.setdefault(node.name, []).append(
                    {"kind": "def", "name": node.name, "code": code, "cell": index, "node": node}
                )
            elif isinstance(node, ast.Assign) and _is_constant(node):
                for target in node.targets:
                    definitions.setdefault(target.id, []).append(
                        {"kind": "const", "name": target.id, "code": code, "cell": index, "node": node}
                    )
    chosen, problems, queue = {}, {}, []
    for qualname, cell in graded:
        top = qualname.split(".")[0]
        candidates = definitions.get(top, [])
        in_cell = [c for c in candidates if c["cell"] == cell]
        if in_cell or candidates:
            chosen[top] = (in_cell or candidates)[-1]
            queue.append(top)
            continue
        broken = [i for i in syntax_errors if cell is None or i == cell]
        broken = [i for i in broken if re.search(rf"\b(def|class)\s+{top}\b", cells[i])] or broken[:1]
        if broken:
            error = syntax_errors[broken[0]]
            problems[top] = (
                f"{qualname}: code cell {broken[0]} has a syntax error, line {error.lineno}: "
                f"{error.msg}"
                + (f" (`{error.text.strip()}`)" if error.text and error.text.strip() else "")
            )
        else:
            problems[top] = f"{qualname}: not defined in the notebook"
    while queue:  # what the graded definitions use, transitively
        snippet = chosen[queue.pop()]
        for name in _used_names(snippet["node"]):
            if name not in chosen and name in definitions:
                before = [c for c in definitions[name] if c["cell"] <= snippet["cell"]]
                chosen[name] = (before or definitions[name])[-1]
                queue.append(name)
    ordered = sorted(chosen.values(), key=lambda s: (s["cell"], s["node"].lineno))
    snippets = imports + [{k: v for k, v in s.items() if k != "node"} for s in ordered]
    return snippets, cells, problems, graded


# -- the subprocess --------------------------------------------------------------------------------


class _Worker:
    """The subprocess running the student's code, with time limits on every answer."""

    def __init__(self, snippets, cells, setup_timeout):
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "keras_gan.assignments._worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
            text=True, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
        self.errors = {}
        reply = self.ask({"snippets": snippets, "cells": {str(k): v for k, v in cells.items()}},
                         setup_timeout)
        if reply.get("timeout"):
            raise TimeoutError(
                f"defining the notebook's code took more than {setup_timeout:g} s "
                "(an import or a class body that never finishes?)"
            )
        if reply.get("died"):
            raise RuntimeError(reply["died"])
        self.errors = reply["errors"]
        self.backend = reply.get("backend")

    def ask(self, message, timeout):
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return {"died": self._death()}
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                return {"timeout": True}
            ready, _, _ = select.select([self.process.stdout], [], [], min(left, 1.0))
            if ready:
                line = self.process.stdout.readline()
                if not line:
                    return {"died": self._death()}
                return json.loads(line)
            if self.process.poll() is not None:
                return {"died": self._death()}

    def _death(self):
        code = self.process.wait()
        self.log.seek(0)
        tail = self.log.read().decode(errors="replace").strip().splitlines()[-3:]
        detail = (": " + " | ".join(tail)) if tail else ""
        return f"the grading process stopped (exit code {code}){detail}"

    def close(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, 9)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
        self.process.wait()
        self.log.close()


# -- grading ---------------------------------------------------------------------------------------


def grade(path, timeout=CHECK_TIMEOUT, setup_timeout=SETUP_TIMEOUT):
    """Grades the notebook at `path`.

    Args:
        path: str, a student (or full) notebook, `.ipynb` or jupytext `.py`.
        timeout: float, seconds each check may run. Defaults to 60.
        setup_timeout: float, seconds to start the subprocess and define the student's code.
            Defaults to 300.

    Returns:
        dict with `notebook`, `backend`, `score`, `max_score` and `results`: one
        `{target, check, points, max_points, passed, message}` per check.
    """
    if not os.path.exists(path):
        raise GradingError(f"No notebook at {path!r}")
    try:
        notebook = build_lib.read_notebook(path)
    except Exception as error:  # noqa: BLE001 - nbformat/json errors
        raise GradingError(f"{path} is not a readable notebook: {error}") from error
    snippets, cells, problems, graded = extract(notebook)
    results, notes = [], []
    plan = []
    for qualname, _ in graded:
        found = checks_lib.checks_for(qualname)
        if not found:
            notes.append(f"{qualname}: no reference checks for this definition (not graded)")
        plan += [(qualname, item) for item in found]
    worker, setup_failure, backend = None, None, os.environ.get("KERAS_BACKEND")
    timed_out = set()

    def record(qualname, item, passed, message):
        results.append({
            "target": qualname, "check": item.name, "max_points": item.points,
            "points": item.points if passed else 0, "passed": passed, "message": message,
        })

    try:
        for qualname, item in plan:
            top = qualname.split(".")[0]
            if top in problems:
                record(qualname, item, False, problems[top])
                continue
            if qualname in timed_out:
                record(qualname, item, False,
                       f"{qualname}: not run - an earlier check of it timed out")
                continue
            if setup_failure is not None:
                record(qualname, item, False, setup_failure)
                continue
            if worker is None:
                try:
                    worker = _Worker(snippets, cells, setup_timeout)
                    backend = worker.backend or backend
                except (TimeoutError, RuntimeError) as error:
                    setup_failure = f"{qualname}: {error}"
                    record(qualname, item, False, setup_failure)
                    continue
            if top in worker.errors:
                record(qualname, item, False, f"{qualname}: could not be defined: {worker.errors[top]}")
                continue
            reply = worker.ask({"check": item.id, "target": qualname}, timeout)
            if reply.get("timeout"):
                record(qualname, item, False,
                       f"{qualname}: timed out after {timeout:g} s - an infinite loop, or a "
                       "computation far larger than asked?")
                worker = None  # killed: the next check starts a fresh process
                timed_out.add(qualname)
            elif reply.get("died"):
                record(qualname, item, False, f"{qualname}: {reply['died']}")
                worker = None
            else:
                record(qualname, item, reply["passed"], reply["message"])
    finally:
        if worker is not None:
            worker.close()
    import_errors = [m for k, m in (worker.errors.items() if worker else []) if k not in problems]
    notes += [f"not executed: {m}" for m in import_errors]
    return {
        "notebook": str(path),
        "backend": backend or "unknown",
        "score": sum(r["points"] for r in results),
        "max_score": sum(r["max_points"] for r in results),
        "results": results,
        "notes": notes,
    }


def format_report(report):
    """The report as text: one line per check, a message under each failure, the score."""
    lines = [f"Grading {report['notebook']} (backend: {report['backend']})"]
    for r in report["results"]:
        if r["max_points"] == 0:
            status = "note" if not r["passed"] else "ok"
        else:
            status = "PASS" if r["passed"] else "FAIL"
        lines.append(f"  [{status}] {r['target']} - {r['check']}: {r['points']}/{r['max_points']}")
        if r["message"] and (not r["passed"] or r["message"].startswith("skipped")):
            lines.append(f"         {r['message']}")
    for note in report["notes"]:
        lines.append(f"  note: {note}")
    if not report["results"]:
        lines.append("  nothing to grade: no definition with reference checks was found")
    lines.append(f"Score: {report['score']}/{report['max_score']}")
    return "\n".join(lines)
