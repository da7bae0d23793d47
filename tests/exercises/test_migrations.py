"""An installation upgraded from before sentences had a provenance keeps its clinic's own wording,
as the clinic's, and its programmes mean what they meant."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("exercises", "0001_initial"), ("patients", "0002_clinic_groups")]
AFTER = [("exercises", "0002_lines_provenance_screens_disagreements")]


@pytest.mark.django_db(transaction=True)
def test_clinic_wording_and_programme_doses_survive_the_upgrade() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Exercise = old.get_model("exercises", "Exercise")
    ProgramTemplate = old.get_model("exercises", "ProgramTemplate")
    ProgramItem = old.get_model("exercises", "ProgramItem")
    EducationCard = old.get_model("exercises", "EducationCard")
    wall_sit = Exercise.objects.create(
        slug="wall-sit",
        name="Wall sit",
        category="strength",
        instructions="Slide down a wall.\n\nHold it.",
        cues="Breathe.",
        cautions="Stop if it hurts.",
        hold_seconds=20,
        reps=5,
    )
    programme = ProgramTemplate.objects.create(slug="walls", name="Walls")
    ProgramItem.objects.create(program=programme, exercise=wall_sit, order=1, reps=8)
    EducationCard.objects.create(slug="warm-up", title="Warm up", body="Warm up first.")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Line = new.get_model("exercises", "Line")
    lines = Line.objects.filter(exercise__slug="wall-sit").order_by("position")
    assert [(line.part, line.text, line.provenance) for line in lines] == [
        ("step", "Slide down a wall.", "clinic"),
        ("step", "Hold it.", "clinic"),
        ("cue", "Breathe.", "clinic"),
        ("caution", "Stop if it hurts.", "clinic"),
    ]
    assert all(line.author and line.written_on for line in lines)
    card_line = Line.objects.get(education_card__slug="warm-up")
    assert (card_line.text, card_line.provenance) == ("Warm up first.", "clinic")
    item = new.get_model("exercises", "ProgramItem").objects.get(program__slug="walls")
    # The item set only the repetitions and took the hold from the exercise: kept, now whole.
    assert (item.reps, item.hold_seconds) == (8, 20)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
