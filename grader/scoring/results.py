"""The one result schema every reporter renders (schema_version 1, see the design note)."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

SCHEMA_VERSION = 1
STATUSES = ("passed", "failed", "not_implemented", "error", "timeout", "memory", "skipped")


@dataclass
class CheckResult:
    name: str
    points: float
    max_points: float
    status: str
    feedback: str = ""
    duration_s: float = 0.0
    location: str = ""        # file:line of the learner's code the feedback points at, if any

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def tip(self) -> bool:
        """A 0-point check: a suggestion that never costs points."""
        return self.max_points == 0


@dataclass
class ExerciseResult:
    id: str
    title: str
    chapter: str
    book: str
    max_score: float
    status: str
    feedback: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    output: str = ""
    duration_s: float = 0.0

    @property
    def score(self) -> float:
        return round(sum(c.points for c in self.checks), 6)

    @property
    def hidden_checks(self) -> int:
        """Checks left out of a learner release (reported as skipped); they run at grading."""
        return sum(c.status == "skipped" for c in self.checks)


@dataclass
class RunResult:
    target: str
    exercises: list[ExerciseResult]
    duration_s: float = 0.0
    limits: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # about the target as a whole (e.g. its notebooks)

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises), 6)

    @property
    def max_score(self) -> float:
        return round(sum(e.max_score for e in self.exercises), 6)

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "target": self.target,
            "score": self.score,
            "max_score": self.max_score,
            "duration_s": round(self.duration_s, 3),
            "limits": self.limits,
            **({"notes": self.notes} if self.notes else {}),
            "exercises": [
                {
                    "id": e.id, "title": e.title, "chapter": e.chapter, "book": e.book,
                    "score": e.score, "max_score": e.max_score, "status": e.status,
                    "feedback": e.feedback, "output": e.output, "duration_s": round(e.duration_s, 4),
                    "checks": [dict(asdict(c), passed=c.passed) for c in e.checks],
                }
                for e in self.exercises
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, doc: dict) -> RunResult:
        """The inverse of to_dict (for rendering results written by another process)."""
        fields = set(CheckResult.__dataclass_fields__)
        exercises = [ExerciseResult(
            id=e["id"], title=e["title"], chapter=e["chapter"], book=e.get("book", ""), max_score=e["max_score"],
            status=e["status"], feedback=e.get("feedback", ""), output=e.get("output", ""),
            duration_s=e.get("duration_s", 0.0),
            checks=[CheckResult(**{k: v for k, v in c.items() if k in fields}) for c in e.get("checks", [])])
            for e in doc.get("exercises", [])]
        return cls(target=doc.get("target", ""), exercises=exercises, duration_s=doc.get("duration_s", 0.0),
                   limits=list(doc.get("limits", [])), notes=list(doc.get("notes", [])))
