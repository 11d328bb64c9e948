"""The course autograder, one package per stage (the folder list is the architecture).

    core/         the course as files: manifest, markers, sources, the learner's state, file and number helpers
    containment/  what the OS gives to contain learner code: namespaces, rlimits, cgroups, the jail
    checks/       the toolkit check modules import (cases, expectations, probes, known weights, stand-ins)
    engine/       running learner code: the worker, its client (runner), one exercise's processes, the wire
    scoring/      the trusted side: pytest checks scored into results, feedback, the terminal report
    notebooks/    chapter notebooks: generated from the source, read defensively, graded as modules
    classroom/    instructors' bulk grading: submissions, templates, Dask, flags, output files, class report
    authoring/    maintainers: sync and the CI gate, the learner release, the bug catalogue
    demos/        `grade demo CHAPTER`
    cli/          the `grade` command

A package imports only the packages listed above it in pyproject.toml's import-linter contract
(cli on top, core at the bottom); `tests/unit/test_architecture.py` runs that contract.
"""
