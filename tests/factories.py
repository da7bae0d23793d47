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


# The library's safety cards, for the guidance tests -------------------------------------------
#
# Built here from the documents' own sentences (each checked against its document by
# tests/site/test_guidance.py) rather than by importing the whole shipped library: the guidance
# tests try every combination of a report, and the cards are all they need of the library.

SAFETY_SOURCE = {
    "id": "004_66a13a9510dc2bf2",
    "title": "Lower back pain after running",
    "file": "004_66a13a9510dc2bf2.txt",
}
SAFETY_CARDS: dict[str, tuple[str, list[str]]] = {
    "stop-radiating-pain": (
        "Pain that radiates or tingles into your thigh or knee",
        [
            "This is a type of radiating, tingling pain that is felt from the lower back to "
            "the thighs or the knee.",
            "If you suspect you have nerve compression pain, it is advised to go to a physical "
            "therapist to get yourself assessed properly.",
            "Generally, people with nerve compression are asked to avoid running.",
            "Avoid downhill running as it could worsen nerve compression, thus causing lower back "
            "pain after running.",
        ],
    ),
    "stop-severe-spasm": (
        "A severe spasm that stops your trunk moving",
        [
            "The range of motion of the trunk is restricted in case of a severe muscle spasm.",
            "How to correct: One should seek proper medical advice in case of a severe spasm.",
            "Proper rest should be taken to reduce strain on these muscles to prevent lower back "
            "pain.",
        ],
    ),
    "stop-pain-while-running": (
        "Pain while you run",
        [
            "Running while in pain might make the issue worse and result in more serious injuries.",
            "Stop running and give your body some time to heal.",
            "Resume running gradually as the pain passes, being mindful of your form and any "
            "signs of discomfort.",
        ],
    ),
    "see-a-professional": (
        "When to see a professional",
        [
            "Not neglecting any kind of injuries.",
            "Considering physical therapy in case of prolonged injury.",
        ],
    ),
}


def safety_cards_create() -> None:
    """The four safety cards, each sentence a line quoted from the documents, with citations."""
    from exercises.models import Citation, EducationCard, Line, Source

    source, _ = Source.objects.get_or_create(id=SAFETY_SOURCE["id"], defaults=SAFETY_SOURCE)
    for slug, (title, quotes) in SAFETY_CARDS.items():
        card, created = EducationCard.objects.get_or_create(slug=slug, defaults={"title": title})
        if not created:
            continue
        for position, quote in enumerate(quotes, start=1):
            Line.objects.create(
                education_card=card,
                part="body",
                position=position,
                text=quote,
                provenance="document",
                source=source,
            )
            Citation.objects.create(
                education_card=card, source=source, quote=quote, position=position
            )


def programme_create(patient: Patient) -> PrescribedExercise:
    """A programme of one exercise, due every day since a month ago, without the library."""
    from exercises.models import Exercise

    exercise, _ = Exercise.objects.get_or_create(
        slug="glute-bridge",
        defaults={
            "name": "Glute bridge (hip bridge)",
            "category": "glutes",
            "hold_seconds": 10,
            "reps": 15,
        },
    )
    prescription = PrescriptionFactory(patient=patient)
    return PrescribedExerciseFactory(
        prescription=prescription, exercise=exercise, order=1, hold_seconds=10, reps=15
    )
