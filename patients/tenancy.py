"""Clinics hold the libraries: what `exercises` asks through EXERCISES_LIBRARY_OWNERS."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from patients.models import Clinic, Patient, Therapist


class ClinicLibraries:
    def library_id_for_user(self, user: Any) -> int | None:
        """A therapist's or clinic admin's clinic, or a patient's: its library.

        Each side is found by its own unique index on the person (two small subqueries): one
        OR across outer joins of every clinic's therapists and patients read every patient of
        the installation on each admin page (536 ms at 1,010,000 patients)."""
        staff = Therapist.objects.filter(user=user).values("clinic_id")
        patient = Patient.objects.filter(user=user).values("clinic_id")
        return (
            Clinic.objects.filter(Q(pk__in=staff) | Q(pk__in=patient))
            .values_list("library_id", flat=True)
            .first()
        )

    def library_for_name(self, identifier: str) -> tuple[int, str]:
        identifier = identifier.strip()
        match = Q(name=identifier)
        if identifier.isdigit():
            match |= Q(pk=int(identifier))
        clinics = list(Clinic.objects.filter(match).order_by("pk")[:2])
        if len(clinics) != 1:
            known = ", ".join(
                f"{pk} {name!r}" for pk, name in Clinic.objects.values_list("pk", "name")[:20]
            )
            raise LookupError(
                f"No clinic {identifier!r}: give a clinic's id or its exact name "
                f"({known or 'there is no clinic yet'})."
                if not clinics
                else f"{identifier!r} names two clinics (an id and a name): use the id."
            )
        return clinics[0].library_id, clinics[0].name
