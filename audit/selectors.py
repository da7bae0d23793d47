"""Who may read which part of the trail: a clinic admin their own clinic's, a superuser all of
it, everyone else nothing."""

from __future__ import annotations

from django.db.models import QuerySet

from audit.models import AuditEntry
from patients.models import Therapist, User


def entries_visible_to(user: User) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if not user.is_active:
        return entries.none()
    if user.is_superuser:
        return entries
    therapist = getattr(user, "therapist", None)
    if therapist is None or therapist.role != Therapist.Role.CLINIC_ADMIN:
        return entries.none()
    return entries.filter(clinic_id=therapist.clinic_id)
