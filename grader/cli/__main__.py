"""`python -m grader.cli` is the `grade` command."""
from grader.cli import entry

entry()
