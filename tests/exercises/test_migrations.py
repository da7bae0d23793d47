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


TENANCY_BEFORE = [
    ("exercises", "0002_lines_provenance_screens_disagreements"),
    ("patients", "0005_user_email_folded"),
]


def _clinic_with_therapist(apps, name: str, email: str):
    Clinic = apps.get_model("patients", "Clinic")
    Therapist = apps.get_model("patients", "Therapist")
    User = apps.get_model("patients", "User")
    clinic = Clinic.objects.create(name=name)
    user = User.objects.create(email=email, is_staff=True)
    Therapist.objects.create(user=user, clinic=clinic)
    return clinic, user


def _added(apps, user, row, model_name: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    content_type, _ = ContentType.objects.get_or_create(app_label="exercises", model=model_name)
    LogEntry.objects.create(
        user=user,
        content_type=content_type,
        object_id=str(row.pk),
        object_repr=str(row.pk),
        action_flag=1,
        change_message="[]",
    )


@pytest.mark.django_db(transaction=True)
def test_existing_clinic_rows_go_to_the_clinic_that_added_them_and_no_further() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(TENANCY_BEFORE)
    history = [("admin", "0003_logentry_add_action_flag_choices")]
    old = executor.loader.project_state(TENANCY_BEFORE + history).apps
    Exercise = old.get_model("exercises", "Exercise")
    ProgramTemplate = old.get_model("exercises", "ProgramTemplate")
    ProgramItem = old.get_model("exercises", "ProgramItem")
    EducationCard = old.get_model("exercises", "EducationCard")
    _clinic_a, therapist_a = _clinic_with_therapist(old, "Clinic A", "a@a.example")
    _clinic_b, therapist_b = _clinic_with_therapist(old, "Clinic B", "b@b.example")
    shipped = Exercise.objects.create(slug="bridge", name="Bridge", category="glutes")
    shipped.is_shipped = True
    shipped.save()
    wall_sit = Exercise.objects.create(slug="wall-sit", name="Wall sit", category="strength")
    _added(old, therapist_a, wall_sit, "exercise")
    card = EducationCard.objects.create(slug="warm-up", title="Warm up")
    _added(old, therapist_b, card, "educationcard")
    walls = ProgramTemplate.objects.create(slug="walls", name="Walls")  # no history
    ProgramItem.objects.create(program=walls, exercise=wall_sit, order=1)
    ProgramItem.objects.create(program=walls, exercise=shipped, order=2)
    orphan = Exercise.objects.create(slug="imported", name="Imported", category="core")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    Clinic = new.get_model("patients", "Clinic")
    libraries = dict(Clinic.objects.values_list("name", "library_id"))
    assert len(set(libraries.values())) == 2
    Exercise = new.get_model("exercises", "Exercise")
    assert Exercise.objects.get(slug="bridge").library_id is None
    # Who added it, from the admin's history: their clinic.
    assert Exercise.objects.get(slug="wall-sit").library_id == libraries["Clinic A"]
    card_library = new.get_model("exercises", "EducationCard").objects.get().library_id
    assert card_library == libraries["Clinic B"]
    # A programme nobody is recorded adding: the one clinic whose own exercises it holds.
    programme = new.get_model("exercises", "ProgramTemplate").objects.get(slug="walls")
    assert programme.library_id == libraries["Clinic A"]
    # Nothing to go by, and two clinics: a library no clinic holds (a superuser assigns it).
    orphan_library = Exercise.objects.get(pk=orphan.pk).library
    assert orphan_library.name.startswith("Not yet assigned to a clinic")
    assert orphan_library.pk not in libraries.values()
