"""Helpers for the project's tests: import the reference solutions as the package `solutions`."""
import importlib
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def solution(chapter: str, module: str):
    """solutions/<chapter>/<module>.py as solutions.<chapter>.<module> (the checkout is not on sys.path)."""
    if "solutions" not in sys.modules:
        spec = importlib.util.spec_from_file_location("solutions", ROOT / "solutions" / "__init__.py",
                                                      submodule_search_locations=[str(ROOT / "solutions")])
        package = importlib.util.module_from_spec(spec)
        sys.modules["solutions"] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"solutions.{chapter}.{module}")
