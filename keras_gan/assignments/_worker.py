"""The grader's subprocess: defines the student's code, then runs checks on request.

Protocol (one JSON object per line): the parent sends `{"snippets": [...]}`, the worker answers
`{"ready": true, "errors": {...}}`; then for each `{"check": id, "target": qualname}` it answers
`{"passed": bool, "message": str}`. Anything the student's code prints goes to stderr, so that
stdout carries only the protocol. The parent enforces the time limits and kills this process
when a check runs too long.
"""

import json
import linecache
import os
import sys
import traceback
import types


def _location(error):
    """'line 3 of code cell 7: `return x`' for the innermost frame in the student's code."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<cell")]
    if not frames:
        return ""
    frame = frames[-1]
    cell = frame.filename.strip("<>").split()[-1]
    line = (frame.line or "").strip()
    return f" (code cell {cell}, line {frame.lineno}: `{line}`)" if line else f" (code cell {cell})"


def describe(error, what):
    """A one-line message for an exception raised by the student's code."""
    if isinstance(error, NotImplementedError):
        return f"{what}: not written yet - it still raises NotImplementedError({str(error)!r})"
    text = str(error).strip().splitlines()
    text = text[0] if text else ""
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{what} raised {type(error).__name__}: {text}{_location(error)}"


def main():
    protocol = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the student's prints (and C libraries' output) go to stderr
    sys.stdout = sys.stderr

    def send(message):
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    module = types.ModuleType("student_notebook")
    sys.modules["student_notebook"] = module
    namespace = module.__dict__
    errors = {}
    for line in sys.stdin:
        request = json.loads(line)
        if "snippets" in request:
            for cell, text in request.get("cells", {}).items():
                filename = f"<cell {cell}>"
                linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
            for snippet in request["snippets"]:
                try:
                    code = compile(snippet["code"], f"<cell {snippet['cell']}>", "exec")
                    exec(code, namespace)
                    obj = namespace.get(snippet.get("name"))
                    if obj is not None and snippet["kind"] == "def":
                        try:
                            obj.__student_source__ = snippet["code"].strip("\n")
                        except (AttributeError, TypeError):
                            pass
                except BaseException as error:  # noqa: BLE001 - reported, never raised
                    errors[snippet.get("name") or snippet["code"].strip()[:60]] = describe(
                        error, f"code cell {snippet['cell']}"
                    )
            import keras

            send({"ready": True, "errors": errors, "backend": keras.backend.backend()})
        elif "check" in request:
            from keras_gan.assignments import checks

            qualname = request["target"]
            try:
                item = checks.find(request["check"])
                target = namespace[qualname.split(".")[0]]
                note = item.function(target)
                send({"passed": True, "message": note or ""})
            except checks.CheckFailure as failure:
                send({"passed": False, "message": str(failure)})
            except BaseException as error:  # noqa: BLE001 - the student's code failed
                send({"passed": False, "message": describe(error, qualname)})


if __name__ == "__main__":
    main()
