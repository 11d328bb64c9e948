"""The `grade` command: one click group (`app`), the learner's commands (`learner`), the maintainers' and
instructors' (`maintainer`), registered here in one place; `grade watch` and `grade doctor` have modules of their own.

The top layer: may import every other package of the grader; none imports it.
"""
from . import learner, maintainer
from .app import Exit, entry, main

for command in (*learner.COMMANDS, *maintainer.COMMANDS):
    main.add_command(command)

__all__ = ["Exit", "entry", "main"]
