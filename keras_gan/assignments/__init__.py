"""Course assignments: student notebooks built from the tutorials, and their autograder.

    python -m keras_gan.assignments build tutorials/04_wasserstein.ipynb --output student/
    python -m keras_gan.assignments grade student/04_wasserstein.ipynb [--json]

`build` replaces each `### BEGIN SOLUTION` ... `### END SOLUTION` region of a tutorial with a
`NotImplementedError("TODO: ...")` stub (signature and docstring kept); `grade` runs the
reference checks of `keras_gan.assignments.checks` on the student's definitions, each in a
subprocess under a time limit, and prints a score with a message per failed check.

From Python: `keras_gan.assignments.build.build(path, output_dir)` and
`keras_gan.assignments.grade.grade(path)` (the submodules keep those names).
"""
