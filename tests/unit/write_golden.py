"""Write the golden results the report tests render (tests/unit/golden/*.json) from a real run.

    .venv/bin/python tests/unit/write_golden.py

grades, in one worker, the stubs of ch03 and ch04 and ch03 with one catalogued bug (so one exercise has
long feedback), and writes each RunResult as JSON. Durations are zeroed and the buggy tree's temporary
path becomes a fixed one of the same shape, so a rewrite changes only what grading says. Rerun it when
the result schema or the feedback the tests read changes; review the diff like code.
"""
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
BUG = "ch03.causal_attention:bug:mask applied after the softmax"
BUG_TREE = "/tmp/pytest-of-learner/pytest-0/bug0/tree"   # where the tests used to build it


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from grader.authoring import catalogue
    from grader.core import manifest
    from grader.scoring.grading import grade_jobs

    course = manifest.load(ROOT)
    entry = next(e for e in catalogue.load(course, ["ch03"]) if e.key == BUG)
    with tempfile.TemporaryDirectory() as tmp:
        tree = catalogue.materialise(entry, course.solutions, Path(tmp) / "tree")
        ch03, ch04 = course.chapter("ch03").exercises, course.chapter("ch04").exercises
        runs = grade_jobs(course, [(course.stubs, list(ch03)), (course.stubs, list(ch04)), (tree, list(ch03))])
        texts = [_golden(run.to_dict()).replace(str(tree), BUG_TREE) for run in runs]
    GOLDEN.mkdir(exist_ok=True)
    for name, text in zip(("ch03_stubs", "ch04_stubs", "ch03_mask_after_softmax"), texts):
        (GOLDEN / f"{name}.json").write_text(text + "\n", encoding="utf-8")
        print(GOLDEN / f"{name}.json")


def _golden(doc: dict) -> str:
    """The run as JSON without its timings (the report shows only the total's, here a fixed 2.0 s)."""
    doc["duration_s"] = 2.0
    for ex in doc["exercises"]:
        ex["duration_s"] = 0.0
        for check in ex["checks"]:
            check["duration_s"] = 0.0
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    return re.sub(r"\{\n[^{}\[\]]*?\n\s*\}", lambda m: re.sub(r"\n\s*", " ", m.group(0)), text)  # a check a line


if __name__ == "__main__":
    main()
