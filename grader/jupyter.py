"""What a notebook kernel imports (the generated notebooks' first cell): `use_course`, `grade_notebook`, `hint`.

An entry point, like `grader.cli`: the code lives in `grader.notebooks.kernel`; this name stays stable so
notebooks saved by learners keep working whatever the grader's layout.
"""
from grader.notebooks.kernel import grade_notebook, hint, use_course

__all__ = ["grade_notebook", "hint", "use_course"]
