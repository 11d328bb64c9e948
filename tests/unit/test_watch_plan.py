"""`grade watch` without a worker: which exercises a save re-grades."""
import shutil

import pytest

from grader.cli.watch import Watcher


@pytest.fixture
def tree(course, tmp_path):
    shutil.copytree(course.stubs, tmp_path / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "exercises"


def test_a_save_touches_its_file_and_what_builds_on_it(course, tree):
    watcher = Watcher(course, tree, list(course.chapter("ch04").exercises))
    hit = {ex.id for ex in watcher.affected([tree / "ch03" / "multihead_attention.py"])}
    assert {"ch03.multihead_attention", "ch04.transformer_block", "ch04.gpt_model"} <= hit
    assert "ch04.layer_norm" not in hit and "ch03.softmax_naive" not in hit
    assert [ex.id for ex in watcher.affected([tree / "ch02" / "bpe.py"])] == []
    assert {ex.id for ex in watcher.affected([tree / "ch04" / "sizes.py"])} == {
        "ch04.parameter_counts", "ch04.gpt2_sizes"}
