"""The sentences a patient reads: where each comes from, and how a written line names the dose.

A line quoted from the documents must be found word for word in its document. A written line
(the portal's standard wording or a clinic's own) never states a number: it names the dose with
a placeholder, so that the number a patient reads is always the one prescribed to them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import cache

from exercises.dosage import TIMES_A_DAY, days_a_week

PLACEHOLDER = re.compile(r"\{([a-z_]*)\}")
PLACEHOLDERS = ("hold", "reps", "sets", "frequency")

# Digits, and the number words a dose is written in: "Repeat 15 times", "fifteen times",
# "twice a day", "daily". "One" and "once" stay allowed ("stand on one leg").
NUMBER_WORDS = [
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "hundred",
    "twice",
    "thrice",
    "daily",
    "weekly",
]
STATED_NUMBER = re.compile(r"\d|\b(?:" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)

EMPTY_DOSE = {
    "hold": "as long as your therapist showed you",
    "reps": "as many times as your therapist showed you",
    "sets": "as many sets as your therapist showed you",
    "frequency": "as often as your therapist asks",
}


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@cache
def document_text(file_name: str) -> str | None:
    """A shipped document's text, whitespace squashed; None when the portal does not hold it."""
    from exercises.library_format import SHIPPED_SOURCES_DIR

    path = SHIPPED_SOURCES_DIR / file_name
    if not path.is_file():
        return None
    return squash(path.read_text(encoding="utf-8"))


def quote_is_in_document(quote: str, source_id: str) -> bool:
    text = document_text(f"{source_id}.txt")
    return text is not None and squash(quote) in text


def stated_number(text: str) -> str | None:
    """The first number a text states outside its placeholders, or None."""
    found = STATED_NUMBER.search(PLACEHOLDER.sub("", text))
    return found.group(0) if found else None


def line_problems(
    *,
    text: str,
    provenance: str,
    source_id: str | None,
    part: str = "step",
    author: str = "",
    written_on: date | None = None,
) -> dict[str, str]:
    """Why a line cannot be shown to a patient, by field; empty when it can."""
    problems: dict[str, str] = {}
    if not text.strip():
        return {"text": "A line needs its text."}
    names = PLACEHOLDER.findall(text)
    unknown = sorted({name for name in names if name not in PLACEHOLDERS})
    if provenance == "document":
        if not source_id:
            problems["source"] = "A line from the documents names the document it quotes."
        elif names:
            problems["text"] = (
                "A quote from the documents cannot hold a dose placeholder; "
                "write the dose as a line of your own."
            )
        elif not quote_is_in_document(text, source_id):
            problems["text"] = (
                f"Not found word for word in {source_id}: a line from the documents "
                "must be an exact quote."
            )
        elif part != "body" and (number := stated_number(text)) is not None:
            # A card may quote the documents' general rules ("1 minute of core exercises for
            # every mile"); a step, cue or caution is followed to the letter, so its numbers
            # must be the patient's own dose.
            problems["text"] = (
                f"This quote states a number ({number!r}); numbers a patient follows come from "
                "the prescribed dose: keep the quote among the citations and write the step "
                "with {hold}, {reps}, {sets} or {frequency}."
            )
        return problems
    if source_id:
        problems["source"] = "Only a line from the documents names a source document."
    if unknown:
        problems["text"] = (
            f"Unknown placeholder {{{unknown[0]}}}: use {{hold}}, {{reps}}, {{sets}} "
            "or {frequency}."
        )
    elif (number := stated_number(text)) is not None:
        problems["text"] = (
            f"A written line may not state a number ({number!r}): name the dose with "
            "{hold}, {reps}, {sets} or {frequency}, so it always matches the prescription."
        )
    if provenance == "clinic" and (not author.strip() or written_on is None):
        problems["author"] = "The clinic's own wording needs its author and the date written."
    return problems


def _duration_words(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    parts = []
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    if rest:
        parts.append(f"{rest} second{'s' if rest != 1 else ''}")
    return " ".join(parts)


def frequency_words(dosage: Mapping[str, object]) -> str | None:
    times = dosage.get("times_per_day")
    days = dosage.get("days_per_week")
    parts = []
    if isinstance(times, int):
        parts.append(TIMES_A_DAY.get(times, f"{times} times a day"))
    if isinstance(days, int):
        parts.append(days_a_week(days, dosage.get("days_per_week_max")))
    return ", ".join(parts) or None


def dose_words(dosage: Mapping[str, object]) -> dict[str, str]:
    """What each placeholder says for this dose."""
    hold, reps, sets = dosage.get("hold_seconds"), dosage.get("reps"), dosage.get("sets")
    words = dict(EMPTY_DOSE)
    if isinstance(hold, int):
        words["hold"] = _duration_words(hold)
    if isinstance(reps, int):
        words["reps"] = f"{reps} time{'s' if reps != 1 else ''}"
    if isinstance(sets, int):
        words["sets"] = f"{sets} set{'s' if sets != 1 else ''}"
    frequency = frequency_words(dosage)
    if frequency:
        words["frequency"] = frequency
    return words


def render_line(text: str, dosage: Mapping[str, object]) -> str:
    words = dose_words(dosage)
    return PLACEHOLDER.sub(lambda match: words.get(match.group(1), match.group(0)), text)
