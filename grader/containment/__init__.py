"""Containment of learner code: namespaces, rlimits, cgroups, the jail and its seccomp filter, applied and reported.

Imports only `grader.core`; used by the engine (which applies it) and by `grade doctor` (which reports it).
"""
