"""Running learner code: the worker process, its client (`runner`), one exercise's processes, the protocol and wire.

Untrusted side and its client. May import `containment` and `core`; never `scoring` (it decides nothing).
"""
