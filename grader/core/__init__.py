"""The course as files: the manifest, solution markers, exercise sources, the learner's state, helpers.

Imports nothing else of the grader; every other package may import it.
"""
