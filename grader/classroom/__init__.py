"""Instructors' bulk grading: submissions read and staged, template workers, Dask, flags, output files, class report.

May import `notebooks`, `scoring`, `engine`, `containment` and `core`; nothing above it.
"""
