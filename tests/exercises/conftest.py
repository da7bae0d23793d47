# Imports of the portal's models stay inside the functions: this file may be loaded before
# tests/conftest.py has chosen the database and set Django up.
from __future__ import annotations


def library_snapshot() -> dict[str, list[dict[str, object]]]:
    """Every row of the library, as stored: a change anywhere changes the snapshot."""
    from exercises.models import (
        Citation,
        Disagreement,
        DisagreementPosition,
        EducationCard,
        Exercise,
        Line,
        ProgramItem,
        ProgramTemplate,
        Source,
    )

    models = (
        Source,
        Exercise,
        ProgramTemplate,
        ProgramItem,
        EducationCard,
        Citation,
        Line,
        Disagreement,
        DisagreementPosition,
    )
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}
