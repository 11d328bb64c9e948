"""Every third-party file the course can download on demand, by the name the CLI takes."""
from __future__ import annotations

from .download import Source
from .verdict import VERDICT

SOURCES: dict[str, Source] = {s.name: s for s in (VERDICT,)}

# chapter 7: the book's instruction data
from .instructions import INSTRUCTION_DATA  # noqa: E402

SOURCES[INSTRUCTION_DATA.name] = INSTRUCTION_DATA

# chapter 6: the SMS spam collection (verified by its parsed figures; the zip has no published checksum)
from .spam import SPAM  # noqa: E402

SOURCES[SPAM.name] = SPAM

# DPO: the book's preference data (instruction-data-with-preference.json)
from .preferences import PREFERENCE_DATA  # noqa: E402

SOURCES[PREFERENCE_DATA.name] = PREFERENCE_DATA
