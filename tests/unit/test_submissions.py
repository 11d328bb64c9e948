"""Bulk grading's intake: only the manifest's files are taken; hostile archives and folders get notes; nothing
is graded where the jail is missing unless the instructor asks."""
import os
import stat
import zipfile

import pytest

from grader.classroom import bulk, submissions
from grader.notebooks import layout

WANTED = {"ch02/tokenizers.py", "ch02/bpe.py", "ch03/causal_attention.py"}
GOOD = b"def split_text(text):\n    return text.split()\n"


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            if isinstance(data, tuple):  # (kind, payload)
                kind, payload = data
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, payload)
            else:
                archive.writestr(name, data)
    return path


def test_course_shaped_and_flat_submissions_are_found(tmp_path):
    folder = tmp_path / "alice"
    (folder / "exercises" / "ch02").mkdir(parents=True)
    (folder / "exercises" / "ch02" / "tokenizers.py").write_bytes(GOOD)
    (folder / "causal_attention.py").write_bytes(b"x = 1\n")
    (folder / "notes.txt").write_text("ignored")
    (folder / "exercises" / "ch02" / "helper.py").write_text("ignored = True\n")
    sub = submissions.read("alice", folder, WANTED)
    assert sub.status == "ok" and set(sub.files) == {"ch02/tokenizers.py", "ch03/causal_attention.py"}
    assert sub.files["ch02/tokenizers.py"] == GOOD


def test_zip_slip_absolute_paths_and_symlinks_are_refused(tmp_path):
    path = make_zip(tmp_path / "mallory.zip", {
        "../../ch02/tokenizers.py": GOOD, "/etc/ch02/bpe.py": GOOD, "ch03/causal_attention.py": ("link", "/etc/passwd"),
        "sub/ch02/tokenizers.py": GOOD})
    sub = submissions.read("mallory", path, WANTED)
    assert set(sub.files) == {"ch02/tokenizers.py"}
    text = "\n".join(sub.notes)
    assert "'..' path" in text and "symlink" in text and text.count("absolute") == 2


def test_folder_symlinks_are_not_followed(tmp_path):
    folder = tmp_path / "eve" / "ch02"
    folder.mkdir(parents=True)
    os.symlink("/etc/passwd", folder / "tokenizers.py")
    os.symlink("/etc", tmp_path / "eve" / "ch03")
    sub = submissions.read("eve", tmp_path / "eve", WANTED)
    assert sub.files == {} and sub.status == "empty"
    assert sum("symlink, not followed" in n for n in sub.notes) == 2


@pytest.mark.parametrize("data, words", [
    (b"x = 1\n" * 200_000, "larger than 512 KB"),
    (b"\x00\x01binary", "binary"),
    ("x = 'caf\u00e9'\n".encode("latin-1"), "not UTF-8"),
])
def test_huge_binary_and_non_utf8_files_are_refused_with_a_note(tmp_path, data, words):
    for kind in ("folder", "zip"):
        if kind == "folder":
            (tmp_path / "f" / "ch02").mkdir(parents=True, exist_ok=True)
            (tmp_path / "f" / "ch02" / "bpe.py").write_bytes(data)
            path = tmp_path / "f"
        else:
            path = make_zip(tmp_path / "z.zip", {"ch02/bpe.py": data})
        sub = submissions.read("x", path, WANTED)
        assert "ch02/bpe.py" not in sub.files and any(words in n for n in sub.notes), sub.notes


def test_a_zip_bomb_is_read_only_up_to_the_limit(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ch02/bpe.py", b"#" * (200 * 2**20))
    sub = submissions.read("bomb", path, WANTED)
    assert sub.files == {} and any("larger than" in n for n in sub.notes)


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04" + b"\x00" * 40])
def test_a_corrupt_zip_is_a_status_not_a_crash(tmp_path, content):
    path = tmp_path / "broken.zip"
    path.write_bytes(content)
    sub = submissions.read("broken", path, WANTED)
    assert sub.status == "corrupt" and "could not be read" in sub.notes[0]


def test_student_ids_are_safe_and_unique(tmp_path):
    for name in ("bob", "bob.zip", "a b;rm -rf.zip", ".hidden"):
        (tmp_path / name).mkdir() if not name.endswith(".zip") else make_zip(tmp_path / name, {"x.py": b""})
    ids = [student for student, _ in submissions.discover(tmp_path)]
    assert ids == ["a_b_rm_-rf", "bob", "bob-2"]


def test_staged_tree_is_course_shaped_and_readable_by_anyone(course, tmp_path):
    sub = submissions.Submission("alice", tmp_path, {"ch02/tokenizers.py": GOOD})
    tree = submissions.stage(sub, tmp_path / "stage", course)
    assert (tree / "__init__.py").is_file() and (tree / "ch02" / "__init__.py").is_file()
    assert (tree / "ch02" / "tokenizers.py").read_bytes() == GOOD
    assert stat.S_IMODE(os.stat(tree / "ch02" / "tokenizers.py").st_mode) == 0o644
    assert stat.S_IMODE(os.stat(tree / "ch02").st_mode) == 0o755
    assert sub.digest == submissions.Submission("bob", tmp_path, {"ch02/tokenizers.py": GOOD}).digest


@pytest.mark.needs_solutions
def test_a_notebook_submission_becomes_the_chapter_modules(course, tmp_path):
    import shutil
    shutil.copy(course.root / "solutions" / "notebooks" / "ch02.ipynb", tmp_path / "nina.ipynb")
    wanted = {f"ch02/{ex.file}" for ex in course.chapter("ch02").exercises}
    ((student, path),) = submissions.discover(tmp_path)
    sub = submissions.read(student, path, wanted, course)
    assert student == "nina" and sub.status == "ok" and set(sub.files) == wanted
    solved = layout.solved_files(course)   # the reference modules, markers taken out
    assert {rel: text.decode() for rel, text in sub.files.items()} == {rel: solved[rel] for rel in wanted}
    assert "return [piece.strip() for piece in pieces if piece.strip()]" in sub.files["ch02/tokenizers.py"].decode()
    assert "BEGIN SOLUTION" not in sub.files["ch02/tokenizers.py"].decode()
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [')
    bad = submissions.read("broken", broken, wanted, course)
    assert bad.status == "corrupt" and "broken.ipynb" in bad.notes[0]


def test_bulk_refuses_to_run_untrusted_code_without_isolation(course, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "isolation_available", lambda: "root, to run learner code as uids of its own")
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    with pytest.raises(bulk.IsolationMissing, match="--unsafe-no-isolation"):
        bulk.grade_class(course, tmp_path / "subs", list(course.chapter("ch02").exercises), tmp_path / "out")


def test_ids_are_unique_by_construction(tmp_path):
    """`x`, `x-2` and `x.zip` once shared an id (x-2); names alike but for case, or alike in their first 64
    characters, are apart too, and each is noted."""
    for name in ("x", "x-2", "X", "a" * 70 + "1", "a" * 70 + "2"):
        (tmp_path / name).mkdir()
    make_zip(tmp_path / "x.zip", {"x.py": b""})
    entries = submissions.discover(tmp_path)
    ids = [student for student, _ in entries]
    assert len({i.lower() for i in ids}) == len(ids) == 6 and all(len(i) <= 64 for i in ids)
    assert dict(entries)["x-2"].name == "x-2"  # a name that asked for x-2 keeps it
    notes = submissions.name_notes(entries)
    assert {student for student, path in entries if path.name in ("x", "X", "x.zip")} <= set(notes)
    assert "x-2" not in notes


def test_notebooks_in_a_zip_are_bounded_by_a_running_total(course, tmp_path):
    padding = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "x": "' + b" " * (4 * 2**20) + b'"}'
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(60):
            archive.writestr(f"nb{i:03d}.ipynb", padding)
    assert path.stat().st_size < 2**20   # 240 MB of notebooks in a small zip
    sub = submissions.read("bomb", path, {"ch02/tokenizers.py"}, course)
    assert any("notebook(s) ignored, over the limit" in note for note in sub.notes), sub.notes


def test_a_notebook_of_nested_lists_is_refused_before_it_is_parsed(course, tmp_path):
    from grader.notebooks import reader
    from grader.notebooks.layout import NotebookError
    path = tmp_path / "ch02.ipynb"
    path.write_bytes(b"[" + b"[[]]," * (2 * 2**20) + b"[]]")
    with pytest.raises(NotebookError, match="more values than a notebook"):
        reader.read(path, course)


@pytest.mark.needs_solutions
def test_bulk_reads_zips_and_notebooks_in_a_limited_helper(course, tmp_path):
    import shutil
    from grader.classroom import intake
    wanted = {f"ch02/{ex.file}" for ex in course.chapter("ch02").exercises}
    shutil.copy(course.root / "solutions" / "notebooks" / "ch02.ipynb", tmp_path / "nina.ipynb")
    make_zip(tmp_path / "zed.zip", {"zed/ch02/tokenizers.py": GOOD})
    make_zip(tmp_path / "huge.zip", {f"{i}/x.ipynb": b"{}" for i in range(6000)})
    reading, folder = intake.intake_course(course)
    try:
        assert not (reading.root / "solutions").exists()
        nina = intake.read_contained("nina", tmp_path / "nina.ipynb", wanted, reading)
        zed = intake.read_contained("zed", tmp_path / "zed.zip", wanted, reading)
        huge = intake.read_contained("huge", tmp_path / "huge.zip", wanted, reading)
    finally:
        shutil.rmtree(folder)
    assert nina.status == "ok" and set(nina.files) == wanted and nina.notebook.notebooks["ch02"].name == "nina.ipynb"
    assert nina.notebook.place("ch02/tokenizers.py", 1) and nina.files == submissions.read(
        "nina", tmp_path / "nina.ipynb", wanted, course).files
    assert zed.status == "ok" and zed.files == {"ch02/tokenizers.py": GOOD}
    assert huge.status == "corrupt"
