"""`python -m keras_gan.assignments build|grade ...`: the command line of the assignments."""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before keras imports TensorFlow
import json  # noqa: E402
import sys  # noqa: E402

from keras_gan.assignments import build as build_lib  # noqa: E402
from keras_gan.assignments import grade as grade_lib  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.assignments",
        description="Build student notebooks from the tutorials, and grade them.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="write the student version of full notebooks")
    b.add_argument("notebooks", nargs="+", help="full tutorial notebooks (.ipynb or jupytext .py)")
    b.add_argument("--output", "-o", default="student", help="output folder (default: student/)")
    g = commands.add_parser("grade", help="grade a student's notebook")
    g.add_argument("notebook", help="the student's notebook")
    g.add_argument("--json", action="store_true", help="print the report as JSON")
    c = commands.add_parser("grade-class", help="grade every submission in a folder")
    c.add_argument("folder", help="submissions: FOLDER/<student>/<assignment>.ipynb")
    c.add_argument(
        "--output",
        "-o",
        default="grades",
        help="where to write <student>/<assignment>.json and grades.csv (default: grades/)",
    )
    c.add_argument(
        "--manifest",
        default=None,
        help="the manifest.json written by build: grade each assignment on what it lists",
    )
    for sub in (g, c):
        sub.add_argument(
            "--timeout",
            type=float,
            default=grade_lib.CHECK_TIMEOUT,
            help=f"seconds per graded definition (default {grade_lib.CHECK_TIMEOUT})",
        )
        sub.add_argument(
            "--setup-timeout",
            type=float,
            default=grade_lib.SETUP_TIMEOUT,
            help=f"seconds to import and define the code (default {grade_lib.SETUP_TIMEOUT})",
        )
        sub.add_argument(
            "--memory-limit",
            type=int,
            default=grade_lib.MEMORY_LIMIT,
            help=f"MiB the student's code may allocate (default {grade_lib.MEMORY_LIMIT})",
        )
    args = parser.parse_args(argv)

    if args.command == "build":
        try:
            for path in args.notebooks:
                info = build_lib.build(path, args.output)
                names = ", ".join(g["name"] for g in info["graded"])
                graded = f"{len(info['graded'])} to write ({names})" if names else "nothing graded"
                removed = info["instructor_cells_removed"]
                print(
                    f"{path} -> {info['output']}: {graded}, {removed} worked-solution cells removed"
                )
        except build_lib.BuildError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return 0

    limits = {
        "timeout": args.timeout,
        "setup_timeout": args.setup_timeout,
        "memory_limit": args.memory_limit,
    }
    if args.command == "grade-class":
        try:
            reports = grade_lib.grade_class(
                args.folder, args.output, manifest=args.manifest, **limits
            )
        except (grade_lib.GradingError, OSError, ValueError, KeyError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        for report in reports:
            line = report["error"] or f"{report['score']}/{report['max_score']}"
            print(f"{report['student']} {report['assignment']}: {line}")
        print(f"{len(reports)} submissions graded: {os.path.join(args.output, 'grades.csv')}")
        return 0
    try:
        report = grade_lib.grade(args.notebook, **limits)
    except grade_lib.GradingError as error:
        if args.json:
            print(json.dumps({"notebook": args.notebook, "error": str(error), "score": 0}))
        else:
            print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else grade_lib.format_report(report))
    # 0: full marks; 1: some checks failed (the report says which)
    return 0 if report["score"] == report["max_score"] and report["results"] else 1


if __name__ == "__main__":
    sys.exit(main())
