"""Every third-party file the course can download on demand, by the name the CLI takes."""
from __future__ import annotations

from .download import Source
from .instructions import INSTRUCTION_DATA  # chapter 7: the book's instruction data
from .preferences import PREFERENCE_DATA  # DPO: the book's preference data (instruction-data-with-preference.json)
from .spam import SPAM  # chapter 6: the SMS spam collection (verified by its parsed figures; no published checksum)
from .verdict import VERDICT  # chapter 2: the short story

SOURCES: dict[str, Source] = {s.name: s for s in (VERDICT, INSTRUCTION_DATA, SPAM, PREFERENCE_DATA)}
