"""The trusted side: run the course's pytest checks on the worker's plain data, score them into results, render them.

May import `engine` (to start workers and read their data), `checks` (CheckFailed), `containment` and `core`.
"""
