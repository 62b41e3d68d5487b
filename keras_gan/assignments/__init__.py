"""Course assignments: student notebooks built from the tutorials, and their autograder.

    python -m keras_gan.assignments build tutorials/04_wasserstein.ipynb --output student/
    python -m keras_gan.assignments grade student/04_wasserstein.ipynb [--json]
    python -m keras_gan.assignments grade-class submitted/ --output grades/

`build` replaces each `### BEGIN SOLUTION` ... `### END SOLUTION` region of a tutorial with a
`NotImplementedError("TODO: ...")` stub (signature and docstring kept); `grade` evaluates the
student's definitions in a sandboxed worker process on inputs the grader chose, compares the
outputs with references computed in the grader's own process (`keras_gan.assignments.checks`)
and prints a score with one message per root cause; `grade-class` grades a folder of
submissions into a JSON per submission and a class CSV.

From Python: `keras_gan.assignments.build.build(path, output_dir)`,
`keras_gan.assignments.grade.grade(path)` and `keras_gan.assignments.grade.grade_class(folder)`
(the submodules keep those names).
"""
