"""Factories for the portal's people and plans. Import inside tests (Django must be set up)."""

from __future__ import annotations

from datetime import time, timedelta

import factory
from django.utils import timezone

from patients.models import Clinic, Patient, PrescribedExercise, Prescription, Therapist, User
from patients.services import therapist_groups_sync


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "a-strong-passphrase")

    @factory.post_generation
    def saved(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    time_zone = "Europe/London"
    phone = "020 7946 0000"
    opening_hours = "Mon–Fri 8:00–18:00"


class TherapistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Therapist
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, is_staff=True)
    clinic = factory.SubFactory(ClinicFactory)
    role = Therapist.Role.THERAPIST

    @factory.post_generation
    def groups(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            therapist_groups_sync(therapist=self)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    user = factory.SubFactory(UserFactory)
    primary_therapist = factory.SubFactory(TherapistFactory)
    clinic = factory.LazyAttribute(lambda patient: patient.primary_therapist.clinic)
    time_zone = "Europe/London"
    pain_baseline = 4
    # A patient who has answered the urgent warning signs check (Today asks until they have);
    # the tests of that first check set it to None.
    safety_check_at = factory.LazyFunction(timezone.now)


class PrescriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prescription

    patient = factory.SubFactory(PatientFactory)
    therapist = factory.LazyAttribute(lambda p: p.patient.primary_therapist)
    title = "Home programme"
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    reminder_time = time(18, 0)


class PrescribedExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PrescribedExercise

    prescription = factory.SubFactory(PrescriptionFactory)
    # exercise: pass one from the library (the `library` fixture loads it)
    order = factory.Sequence(lambda n: n + 1)
    reps = 10


# The library, for the guidance tests --------------------------------------------------------


def safety_cards_create() -> None:
    """The safety cards as the portal ships them: the shipped library, loaded as `make run`
    loads it (a second call changes nothing)."""
    import io

    from django.core.management import call_command

    from exercises.models import EducationCard

    # Once per test is enough: an import that finds everything in place still reads it all.
    if not EducationCard.objects.filter(slug="stop-radiating-pain", is_shipped=True).exists():
        call_command("import_library", shipped=True, stdout=io.StringIO())


def programme_create(patient: Patient) -> PrescribedExercise:
    """A programme of one exercise (the shipped glute bridge), due every day since a month ago."""
    from exercises.models import Exercise

    safety_cards_create()
    exercise = Exercise.objects.get(slug="glute-bridge")
    prescription = PrescriptionFactory(patient=patient)
    return PrescribedExerciseFactory(
        prescription=prescription, exercise=exercise, order=1, hold_seconds=10, reps=15
    )


def programme_with_history(
    patient: Patient,
    *,
    size: int,
    started_days_ago: int,
    checked_off_days_ago: range,
    reps: int,
    note: str,
    leave_first_undone: bool = False,
) -> list[PrescribedExercise]:
    """A programme of `size` shipped exercises (in turn, every other one held 10 s, every third
    with the therapist's note) due every day, checked off on the days `checked_off_days_ago`
    (0 is the patient's today); the first left undone if asked. For the page-cost tests and the
    bench, which need the same patient at 1 and at 20 exercises."""
    from datetime import timedelta

    from django.utils import timezone

    from exercises.models import Exercise
    from patients.models import EVERY_DAY, CheckOff

    exercises = list(Exercise.objects.filter(kind=Exercise.Kind.EXERCISE).order_by("slug"))
    prescription = Prescription.objects.create(
        patient=patient,
        therapist=patient.primary_therapist,
        title="Home programme",
        start_date=timezone.localdate() - timedelta(days=started_days_ago),
        days_mask=EVERY_DAY,
        reminder_time="18:00",
    )
    items = PrescribedExercise.objects.bulk_create(
        PrescribedExercise(
            prescription=prescription,
            exercise=exercises[order % len(exercises)],
            order=order + 1,
            hold_seconds=10 if order % 2 else None,
            reps=reps,
            therapist_note=note if order % 3 == 0 else "",
        )
        for order in range(size)
    )
    today = patient.local_today(timezone.now())
    CheckOff.objects.bulk_create(
        CheckOff(
            patient=patient,
            prescribed_exercise=item,
            local_date=today - timedelta(days=days_ago),
            session=1,
            created_at=timezone.now() - timedelta(days=days_ago),
        )
        for days_ago in checked_off_days_ago
        for item in (items[1:] if leave_first_undone else items)
    )
    return items
