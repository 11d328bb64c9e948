"""The grader's layout: packages in layers (import-linter's contract in pyproject.toml), no import cycles,
and no module at the top of grader/ but its entry points."""
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINTS = {"__init__.py", "__main__.py", "jupyter.py"}
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(where: Path) -> subprocess.CompletedProcess:
    """import-linter on the grader package found first on PYTHONPATH=where, with the project's contract."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")], cwd=where,
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(where)})


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("grader", cache_dir=None)


def test_the_layers_contract_is_kept():
    done = lint_imports(ROOT)
    assert done.returncode == 0 and "1 kept, 0 broken" in done.stdout, done.stdout + done.stderr


def test_the_contract_fails_on_an_import_against_the_layers(tmp_path):
    shutil.copytree(ROOT / "grader", tmp_path / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "grader" / "core" / "bad.py").write_text("from grader.cli import app\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0 and "BROKEN" in done.stdout and "grader.core.bad" in done.stdout, done.stdout


def test_no_module_imports_itself_through_others(graph):
    cycles = [f"{module} -> {imported} -> ... -> {module}" for module in sorted(graph.modules)
              for imported in sorted(graph.find_modules_directly_imported_by(module))
              if imported != module and graph.chain_exists(importer=imported, imported=module)]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_only_entry_points_at_the_top_of_grader():
    top = {p.name for p in (ROOT / "grader").glob("*.py")}
    assert top <= ENTRY_POINTS, f"modules at the top of grader/ that belong in a package: {sorted(top - ENTRY_POINTS)}"


def test_every_package_says_what_it_is_for_and_what_it_may_import():
    for init in sorted((ROOT / "grader").glob("*/__init__.py")):
        doc = init.read_text(encoding="utf-8").split('"""')
        assert len(doc) >= 3 and doc[1].strip(), f"{init.relative_to(ROOT)} has no docstring"
        assert "import" in doc[1].lower(), f"{init.relative_to(ROOT)}: say what the package may import"
