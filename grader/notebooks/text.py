"""The words of the generated notebooks: the chapter's introduction, each module's and each exercise's."""
from __future__ import annotations

import ast
import re

from ..core.points import count

SETUP = '''# Run this cell first. It makes `exercises.{chapter}` mean this notebook's own cells, and your other
# chapters importable: from their notebook in this folder, else from the course's exercises/ folder.
from grader.jupyter import grade_notebook, hint, use_course

use_course("{chapter}")'''

GRADE_MD = """## Grade this notebook

Save the notebook first (Ctrl-S or Cmd-S): the next cell grades the saved file, as
`grade {chapter} --target <this notebook>` does in a terminal, and shows the results here.
`grade_notebook("name")` grades one exercise (and what it builds on)."""

GRADE_CELL = "grade_notebook()"


def chapter_name(chapter_id: str) -> str:
    """"ch03" -> "Chapter 3", "appA" -> "Appendix A"."""
    if re.fullmatch(r"app[A-Z]", chapter_id):
        return f"Appendix {chapter_id[3:]}"
    if re.fullmatch(r"ch\d\d", chapter_id):
        return f"Chapter {int(chapter_id[2:])}"
    return f"Bonus chapter {chapter_id}"



def intro(chapter, kind: str) -> str:
    name = chapter_name(chapter.id)
    size = f"{len(chapter.exercises)} exercises, {count(chapter.points)}"
    first = chapter.exercises[0].id
    if kind == "reference":
        return (f"# {name} · {chapter.title} — reference solutions\n\n"
                f"The course's solutions to the exercises of {name.lower()} of *Build a Large Language Model "
                f"(From Scratch)* ({size}), laid out as in the learner's notebook. Generated from `solutions/` "
                "by `grade sync`: edit the solutions, not this file.")
    return f"""# {name} · {chapter.title}

The exercises of {name.lower()} of *Build a Large Language Model (From Scratch)*: {size}.

**Where your code goes.** Each exercise has one code cell tagged with its id (`{first}`, ...):
replace its `TODO` and the `raise NotImplementedError` under it with your code. JupyterLab and
Notebook 7 show a cell's tags in the property inspector (the gears icon, top right); VS Code with
its Jupyter Cell Tags extension. Each module of the chapter begins with a cell tagged with its file
name, which holds its imports and constants.

**What is graded.** The tagged cells, in whatever order they are: add cells of your own anywhere
to try things out, they are not graded. In an exercise's cell, imports, functions, classes and
constants count; a line that prints or builds something to try it out runs here, but is left out
of grading (the feedback says which lines). Magics and shell lines (`%matplotlib inline`,
`!pip install ...`) are skipped.

**Your other chapters.** An import such as `from exercises.ch02.tokenizers import split_text`
brings in your own code of that chapter: from its notebook in this folder if there is one, else
from the course's `exercises/` folder. Run the first code cell first; run it again after changing another chapter.

**Grading.** Run the last cell, or in a terminal `grade {chapter.id} --target <this notebook>`.
`hint("{first.split('.')[1]}")` shows a hint, one step more each time you ask."""


def summary(doc_source: str) -> tuple[str, str]:
    """A module docstring's first line and the rest, as plain text."""
    if not doc_source:
        return "", ""
    text = ast.literal_eval(doc_source.strip()) if doc_source.strip()[:1] in "'\"rRuU" else doc_source
    first, _, rest = text.strip().partition("\n")
    return first.strip(), rest.strip()


def section(chapter: str, section, again: list[str], defined: dict[str, str]) -> str:
    first, rest = summary(section.doc)
    text = f"## `{section.file}`" + (f" · {first}" if first else "")
    if rest:
        text += f"\n\n{rest}"
    text += (f"\n\nThe next cell, tagged `{chapter}/{section.file}`, holds the module's imports and constants. "
             f"The cells after it are graded as `exercises/{chapter}/{section.file}` would be.")
    if again:
        quoted = [f"`{n}`" for n in again]
        names = ", ".join(quoted[:-1]) + " and " + quoted[-1] if len(quoted) > 1 else quoted[0]
        where = ", ".join(sorted({f"`{defined[n]}`" for n in again}))
        text += (f"\n\nThis module defines {names} again (first defined in {where}). Once its cells have run, "
                 "these names in this notebook mean this module's versions; grading keeps each module's own.")
    return text


def exercise(ex, kind: str) -> str:
    parts = [f"book §{ex.book}", count(ex.points),
             "defines " + ", ".join(f"`{n}`" for n in ex.defines)]
    if ex.depends:
        parts.append("builds on " + ", ".join(f"`{d}`" for d in ex.depends))
    text = f"### {ex.title}\n\n`{ex.id}` · " + " · ".join(parts)
    if kind != "reference":
        text += f"\n\nStuck? `hint(\"{ex.name}\")` shows a hint; ask again for the next one."
    return text
