"""Maintainers' side: regenerate stubs, notebooks and snapshots (`sync`), the CI gate, the learner release, the
catalogue.

May import `notebooks`, `scoring`, `engine` and `core`; nothing above it.
"""
