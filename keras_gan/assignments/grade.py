"""The autograder: grades the functions a student wrote in a notebook.

    python -m keras_gan.assignments grade student/04_wasserstein.ipynb [--json]
    python -m keras_gan.assignments grade-class submissions/ --output grades/

It does not run the notebook. It reads the code cells, takes the graded definitions (listed in
the notebook's `keras_gan_assignment` metadata by `build`, or found from the solution markers
of a full notebook), the definitions and constants they use, and every import.

The student's code never runs in this process. This process computes every reference value
first (`checks.PIECES`), then starts a worker (`_worker.py`) in a fresh temporary folder with a
scrubbed environment, memory/CPU/file-size limits and, where the kernel has Landlock, no write
access outside that folder; the worker defines the student's code and returns only the outputs
of the graded definitions on the inputs chosen here. The verdicts (`checks.CHECKS`) run here,
on those outputs. Each graded definition runs under a time limit; at the end the worker and
every process it started are killed and its folder deleted. Syntax errors, unfinished TODOs and
exceptions become one-line messages naming the cell and line.
"""

import ast
import csv
import json
import os
import re
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import keras_gan
from keras_gan.assignments import _worker as worker_lib
from keras_gan.assignments import build as build_lib
from keras_gan.assignments import checks as checks_lib

SETUP_TIMEOUT = 300  # seconds to start Python, import keras and define the student's code
CHECK_TIMEOUT = 60  # seconds per graded definition
MEMORY_LIMIT = worker_lib.MEMORY_LIMIT_MB  # MiB the student's code may allocate
# The package the worker imports: this process's own copy, whatever the worker's sys.path holds.
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(keras_gan.__file__)))


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
                        {
                            "kind": "const",
                            "name": target.id,
                            "code": code,
                            "cell": index,
                            "node": node,
                        }
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
        # the recorded cell index goes stale when a student inserts or deletes cells
        broken = [i for i in syntax_errors if re.search(rf"\b(def|class)\s+{top}\b", cells[i])]
        broken = broken or [i for i in syntax_errors if i == cell]
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


# -- the worker ------------------------------------------------------------------------------------

_ENV_KEPT = (
    "JAX_PLATFORMS",
    "CUDA_VISIBLE_DEVICES",
    "LD_LIBRARY_PATH",
    "OMP_NUM_THREADS",
    "XLA_FLAGS",
    "LANG",
)
_MAX_BUFFER = 64 * 2**20  # bytes of replies kept waiting for a newline


def _backend():
    backend = os.environ.get("KERAS_BACKEND")
    if backend:
        return backend
    import keras

    return keras.backend.backend()


def _children():
    """`{ppid: [pid, ...]}` from /proc; empty where there is none (macOS): there the worker's
    process group is all that is killed."""
    children = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return children
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    return children


def _descendants(root):
    children, found, stack = _children(), [], [root]
    while stack:
        for pid in children.get(stack.pop(), []):
            found.append(pid)
            stack.append(pid)
    return found


def kill_tree(pid):
    """Kills `pid` and every process below it (the worker is their subreaper, so processes
    started in a new session or orphaned stay below it), then its process group."""
    for _ in range(20):
        pids = _descendants(pid)
        if not pids:
            break
        for child in pids:
            try:
                os.kill(child, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.05)
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except (ProcessLookupError, PermissionError):
            pass


def _subreaper(value=None):
    """Gets (or sets) whether orphaned descendants of this process are re-parented to it."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if value is None:
            flag = ctypes.c_int(0)
            libc.prctl(37, ctypes.byref(flag), 0, 0, 0)  # PR_GET_CHILD_SUBREAPER
            return flag.value
        libc.prctl(36, int(value), 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return 0
    return value


def _kill_adopted(known):
    """Kills and reaps the processes re-parented to this one during grading (a worker that
    died before it could be killed leaves its children here)."""
    for pid in _children().get(os.getpid(), []):
        if pid in known:
            continue
        kill_tree(pid)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


class _Worker:
    """The sandboxed subprocess running the student's code, with time limits on every answer."""

    def __init__(self, snippets, cells, setup_timeout, memory_limit, cpu_seconds, sandbox):
        self.folder = tempfile.mkdtemp(prefix="keras_gan_grading_")
        self.memory_limit = memory_limit
        self.log = tempfile.TemporaryFile()
        self.buffer = b""
        env = {k: os.environ[k] for k in _ENV_KEPT if k in os.environ}
        env.update(
            {
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "HOME": self.folder,
                "TMPDIR": self.folder,
                "KERAS_HOME": os.path.join(self.folder, ".keras"),
                "MPLCONFIGDIR": self.folder,
                "KERAS_BACKEND": _backend(),
                "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONUNBUFFERED": "1",
                "TF_CPP_MIN_LOG_LEVEL": "3",
            }
        )
        bootstrap = (
            f"import sys; sys.path.insert(0, {_PACKAGE_ROOT!r}); "
            "from keras_gan.assignments import _worker; _worker.main()"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-B", "-c", bootstrap],
            cwd=self.folder,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            start_new_session=True,
        )
        self.errors, self.sandbox, self.backend = {}, None, None
        reply = self.ask(
            {
                "snippets": snippets,
                "cells": {str(k): v for k, v in cells.items()},
                # the package's own implementations of what the exercises ask for
                "sentinels": sorted({n for p in checks_lib.PIECES.values() for n in p.forbidden}),
                "folder": self.folder,
                "memory_mb": memory_limit,
                "cpu_seconds": cpu_seconds,
                "sandbox": sandbox,
            },
            setup_timeout,
        )
        if reply.get("timeout"):
            raise TimeoutError(
                f"defining the notebook's code took more than {setup_timeout:g} s "
                "(an import or a class body that never finishes?)"
            )
        if reply.get("died"):
            self.close()
            raise RuntimeError(reply["died"])
        try:
            self.errors = {str(k): str(v) for k, v in dict(reply.get("errors", {})).items()}
        except (TypeError, ValueError):
            self.close()
            raise RuntimeError("the grading process sent an unexpected reply") from None
        self.sandbox = str(reply.get("sandbox"))
        self.backend = str(reply.get("backend"))

    def ask(self, message, timeout):
        """Sends `message` and returns the reply carrying its nonce (other lines are ignored)."""
        nonce = secrets.token_hex(16)
        try:
            self.process.stdin.write((json.dumps({**message, "nonce": nonce}) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return {"died": self._death()}
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        while True:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                try:
                    reply = json.loads(line)
                except ValueError:
                    continue
                if isinstance(reply, dict) and reply.get("nonce") == nonce:
                    return reply
            if len(self.buffer) > _MAX_BUFFER:
                self.close()
                return {"died": "the grading process wrote too much to the grader's channel"}
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                return {"timeout": True}
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return {"died": self._death()}
                self.buffer += chunk
            elif self.process.poll() is not None:
                return {"died": self._death()}

    def _death(self):
        code = self.process.wait()
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").strip().splitlines()
        self.close()
        if code < 0:  # a signal: SIGKILL, SIGABRT, SIGSEGV, SIGXCPU...
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            if -code == signal.SIGXCPU:
                return f"the grading process ran out of CPU time ({name})"
            return (
                f"the grading process crashed ({name}) - did the code run out of memory "
                f"(limit {self.memory_limit} MiB), or crash in native code?"
            )
        errors = [line for line in lines if re.match(r"^\w*(Error|Exception)\b", line)]
        detail = (": " + errors[-1][:300]) if errors else ""
        return f"the grading process stopped (exit code {code}){detail}"

    def close(self):
        kill_tree(self.process.pid)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


# -- grading ---------------------------------------------------------------------------------------


def _read(path):
    if not os.path.exists(path):
        raise GradingError(f"No notebook at {path!r}")
    try:
        notebook = build_lib.read_notebook(path)
        if (
            not isinstance(getattr(notebook, "cells", None), list)
            or not all(
                isinstance(cell, dict) and isinstance(build_lib.cell_source(cell), str)
                for cell in notebook.cells
            )
            or not isinstance(notebook.get("metadata", {}), dict)
        ):
            raise ValueError("no list of cells")
    except Exception as error:  # noqa: BLE001 - nbformat/json errors of every kind
        detail = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise GradingError(
            f"{path} is not a readable notebook ({detail}): submit the .ipynb file saved by Jupyter"
        ) from error
    return notebook


def _sources(snippets):
    return {s["name"]: s["code"] for s in snippets if s.get("kind") == "def"}


def grade(
    path,
    timeout=CHECK_TIMEOUT,
    setup_timeout=SETUP_TIMEOUT,
    memory_limit=MEMORY_LIMIT,
    sandbox=True,
    graded=None,
):
    """Grades the notebook at `path`.

    Args:
        path: str, a student (or full) notebook, `.ipynb` or jupytext `.py`.
        timeout: float, seconds the student's code may run for each graded definition.
            Defaults to 60.
        setup_timeout: float, seconds to start the worker and define the student's code.
            Defaults to 300.
        memory_limit: int, MiB of memory the student's code may allocate. Defaults to 4096.
        sandbox: bool, whether the worker also blocks writes outside its temporary folder
            (Linux Landlock, where the kernel has it). Defaults to True; False is for tests.
        graded: list of str, the qualified names to grade (e.g. from the `build` manifest), so
            that a student who edits the notebook's metadata or deletes a graded cell still
            gets it graded (as missing). Defaults to None: the notebook's own list.

    Returns:
        dict with `notebook`, `backend`, `score`, `max_score`, `results` (one
        `{target, check, points, max_points, passed, skipped, message}` per check), `notes`
        and `sandbox` (how the worker was confined).

    Raises:
        GradingError: the file is missing or is not a notebook.
    """
    notebook = _read(path)
    if graded is not None:
        notebook.metadata[build_lib.METADATA_KEY] = {"graded": [{"name": n} for n in graded]}
    snippets, cells, problems, graded = extract(notebook)
    sources = _sources(snippets)
    results, notes, plan = [], [], []
    for qualname, _ in graded:
        found = checks_lib.checks_for(qualname)
        if not found or checks_lib.piece_for(qualname) is None:
            notes.append(f"{qualname}: no reference checks for this definition (not graded)")
            continue
        plan.append(qualname)
    # every reference value is computed here, before any of the student's code runs
    references = {q: checks_lib.piece_for(q).expected() for q in plan}
    worker, setup_failure, sandbox_note, setup_errors = None, None, None, {}
    backend = os.environ.get("KERAS_BACKEND")
    cpu_seconds = setup_timeout + timeout * max(1, len(plan))

    def record(qualname, item, passed, message, skipped=False):
        results.append(
            {
                "target": qualname,
                "check": item.name,
                "max_points": item.points,
                "points": item.points if passed else 0,
                "passed": passed,
                "skipped": skipped,
                "message": message,
            }
        )

    def fail_all(qualname, message):
        """One root cause, one message: the first check says why, the others are skipped."""
        items = checks_lib.checks_for(qualname)
        record(qualname, items[0], False, message)
        for item in items[1:]:
            record(qualname, item, False, f"skipped: depends on '{items[0].name}'", skipped=True)

    was_subreaper, known_children = _subreaper(), set(_children().get(os.getpid(), []))
    _subreaper(1)
    try:
        for qualname in plan:
            top = qualname.split(".")[0]
            if top in problems:
                fail_all(qualname, problems[top])
                continue
            if setup_failure is not None:
                fail_all(qualname, setup_failure)
                continue
            if worker is None:
                try:
                    worker = _Worker(
                        snippets, cells, setup_timeout, memory_limit, cpu_seconds, sandbox
                    )
                    backend, sandbox_note = worker.backend or backend, worker.sandbox
                    setup_errors.update(worker.errors)
                except (TimeoutError, RuntimeError) as error:
                    setup_failure = f"{qualname}: {error}"
                    fail_all(qualname, setup_failure)
                    continue
            if top in worker.errors:
                fail_all(qualname, f"{qualname}: could not be defined: {worker.errors[top]}")
                continue
            piece = checks_lib.piece_for(qualname)
            reply = worker.ask(
                {
                    "target": qualname,
                    "forbidden": list(piece.forbidden),
                    "probes": references[qualname]["probes"],
                },
                timeout,
            )
            if reply.get("timeout"):
                fail_all(
                    qualname,
                    f"{qualname}: timed out after {timeout:g} s - an infinite "
                    "loop, or a computation far larger than asked?",
                )
                worker = None  # killed: the next definition starts a fresh process
                continue
            if reply.get("died"):
                fail_all(qualname, f"{qualname}: {reply['died']}")
                worker = None
                continue
            delegated = reply.get("delegated") or []
            if delegated:
                fail_all(
                    qualname,
                    f"{qualname} calls {', '.join(map(str, delegated))}, the "
                    "package's own implementation of what the exercise asks you to write: "
                    "no credit - write it yourself",
                )
                continue
            run_results = reply.get("results")
            if (
                not isinstance(run_results, list)
                or len(run_results) != len(references[qualname]["probes"])
                or not all(isinstance(r, dict) for r in run_results)
            ):
                fail_all(qualname, f"{qualname}: the grading process sent an unexpected reply")
                continue
            run = {
                "results": run_results,
                "reference": references[qualname],
                "source": sources.get(top),
            }
            failed = set()
            for item in checks_lib.checks_for(qualname):
                blocked = [n for n in item.needs if n in failed]
                if blocked:
                    record(qualname, item, False, f"skipped: depends on '{blocked[0]}'", True)
                    failed.add(item.name)
                    continue
                try:
                    note = item.function(run)
                except checks_lib.Skip as skip:
                    record(qualname, item, False, f"skipped: depends on '{skip}'", True)
                    failed.add(item.name)
                except checks_lib.CheckFailure as failure:
                    record(qualname, item, False, str(failure))
                    failed.add(item.name)
                except Exception as error:  # noqa: BLE001 - a malformed reply from the worker
                    record(
                        qualname,
                        item,
                        False,
                        f"{qualname}: the grading process sent an "
                        f"unexpected reply ({type(error).__name__})",
                    )
                    failed.add(item.name)
                else:
                    record(qualname, item, True, note or "")
    finally:
        if worker is not None:
            worker.close()
        _kill_adopted(known_children)
        _subreaper(was_subreaper)
    graded_tops = {q.split(".")[0] for q in plan}
    import_errors = [m for k, m in setup_errors.items() if k not in graded_tops]
    notes += [f"not executed: {m}" for m in import_errors]
    if sandbox_note not in (None, "landlock"):
        notes.append(f"file-system sandbox: {sandbox_note}")
    return {
        "notebook": str(path),
        "backend": backend or "unknown",
        "score": sum(r["points"] for r in results),
        "max_score": sum(r["max_points"] for r in results),
        "results": results,
        "notes": notes,
        "sandbox": sandbox_note or "not started",
    }


def format_report(report):
    """The report as text: one line per check, a message under each failure, the score."""
    lines = [f"Grading {report['notebook']} (backend: {report['backend']})"]
    for r in report["results"]:
        if r.get("skipped"):
            status = "SKIP"
        elif r["max_points"] == 0:
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


# -- a class of submissions ------------------------------------------------------------------------


def _submissions(folder):
    """`[(student, assignment, path)]`: `folder/<student>/<assignment>.ipynb` (nbgrader's
    submitted/ layout, one level), or `folder/<student>.ipynb` for a single assignment."""
    found = []
    for root, _, files in sorted(os.walk(folder)):
        for name in sorted(files):
            if not name.endswith(".ipynb") or ".ipynb_checkpoints" in root:
                continue
            path = os.path.join(root, name)
            parts = os.path.relpath(path, folder).split(os.sep)
            assignment = os.path.splitext(name)[0]
            student = parts[0] if len(parts) > 1 else assignment
            found.append((student, assignment if len(parts) > 1 else "", path))
    return found


def grade_class(folder, output_dir="grades", manifest=None, **kwargs):
    """Grades every notebook under `folder` and writes the instructor's files.

    Writes `output_dir/<student>/<assignment>.json` (the report of `grade`, plus `student`,
    `assignment`, `error`) and `output_dir/grades.csv`: one row per submission with `student`,
    `assignment`, `score`, `max_score`, one column of points per graded definition and `error`
    (the otter-grader/nbgrader conventions: one JSON per submission, one CSV for the class).

    Args:
        folder: str, `folder/<student>/<assignment>.ipynb` (or `folder/<student>.ipynb`).
        output_dir: str, where to write. Defaults to `"grades"`.
        manifest: str, the `manifest.json` written by `build`: each assignment is then graded
            on the definitions it lists, whatever the student's notebook says. Defaults to None
            (each notebook's own metadata).
        **kwargs: passed to `grade` (`timeout`, `memory_limit`, ...).

    Returns:
        list of the reports, in the CSV's order.

    Raises:
        GradingError: `folder` does not exist.
    """
    if not os.path.isdir(folder):
        raise GradingError(f"No folder of submissions at {folder!r}")
    expected = {}
    if manifest is not None:
        with open(manifest) as f:
            expected = {
                name: [g["name"] for g in info["graded"]] for name, info in json.load(f).items()
            }
    reports = []
    for student, assignment, path in _submissions(folder):
        try:
            report = grade(path, graded=expected.get(assignment or student), **kwargs)
            report["error"] = ""
        except GradingError as error:
            report = {
                "notebook": path,
                "backend": "",
                "score": 0,
                "max_score": 0,
                "results": [],
                "notes": [],
                "error": str(error),
            }
        report.update({"student": student, "assignment": assignment})
        target = os.path.join(output_dir, student)
        os.makedirs(target, exist_ok=True)
        with open(os.path.join(target, (assignment or student) + ".json"), "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        reports.append(report)
    targets = list(dict.fromkeys(r["target"] for report in reports for r in report["results"]))
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, "grades.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "assignment", "score", "max_score", *targets, "error"])
        for report in reports:
            points = {
                t: sum(r["points"] for r in report["results"] if r["target"] == t) for t in targets
            }
            graded = {r["target"] for r in report["results"]}
            writer.writerow(
                [
                    report["student"],
                    report["assignment"],
                    report["score"],
                    report["max_score"],
                    *[points[t] if t in graded else "" for t in targets],
                    report["error"],
                ]
            )
    return reports
