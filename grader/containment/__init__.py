"""Containment of learner code: namespaces, rlimits, pids cgroups and bulk grading's jail, applied and reported.

Imports only `grader.core`; used by the engine (which applies it) and by `grade doctor` (which reports it).
"""
