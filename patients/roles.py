"""The staff roles and what each may do in the admin (the admin narrows it to their clinic).

Applied by migration 0003 and again after every `migrate` (and every test database flush), so a
change here reaches existing installations.
"""

from __future__ import annotations

from typing import Any

THERAPIST_PERMISSIONS = [
    ("patients", "view_clinic"),
    ("patients", "view_therapist"),
    ("patients", "view_patient"),
    ("patients", "add_patient"),
    ("patients", "change_patient"),
    ("patients", "view_prescription"),
    ("patients", "add_prescription"),
    ("patients", "change_prescription"),
    ("patients", "view_prescribedexercise"),
    ("patients", "add_prescribedexercise"),
    ("patients", "change_prescribedexercise"),
    ("patients", "delete_prescribedexercise"),
    ("patients", "view_prescriptionversion"),
    ("patients", "view_checkoff"),
    ("patients", "view_painreport"),
    ("patients", "view_alert"),
    ("patients", "change_alert"),
    ("patients", "view_reminder"),
    ("patients", "change_reminder"),
    ("exercises", "view_source"),
    ("exercises", "view_exercise"),
    ("exercises", "add_exercise"),
    ("exercises", "change_exercise"),
    ("exercises", "view_programtemplate"),
    ("exercises", "add_programtemplate"),
    ("exercises", "change_programtemplate"),
    ("exercises", "view_programitem"),
    ("exercises", "add_programitem"),
    ("exercises", "change_programitem"),
    ("exercises", "delete_programitem"),
    ("exercises", "view_educationcard"),
    ("exercises", "add_educationcard"),
    ("exercises", "change_educationcard"),
    ("exercises", "view_citation"),
    ("exercises", "add_citation"),
    ("exercises", "change_citation"),
    ("exercises", "delete_citation"),
    ("exercises", "view_line"),
    ("exercises", "add_line"),
    ("exercises", "change_line"),
    ("exercises", "delete_line"),
    ("exercises", "view_disagreement"),
    ("exercises", "view_disagreementposition"),
    ("patients", "view_screenrequest"),
    ("patients", "add_screenrequest"),
    ("patients", "change_screenrequest"),
    ("patients", "view_screenresult"),
    # Pictures and videos: of the clinic's own exercises, and of one patient's exercise.
    ("exercises", "view_exercisemedia"),
    ("exercises", "add_exercisemedia"),
    ("exercises", "change_exercisemedia"),
    ("exercises", "delete_exercisemedia"),
    ("patients", "view_prescribedexercisemedia"),
    ("patients", "add_prescribedexercisemedia"),
    ("patients", "change_prescribedexercisemedia"),
    ("patients", "delete_prescribedexercisemedia"),
]
CLINIC_ADMIN_PERMISSIONS = [
    *THERAPIST_PERMISSIONS,
    ("patients", "change_clinic"),
    ("patients", "add_therapist"),
    ("patients", "change_therapist"),
    # The audit trail of who read and wrote which patient's data (their clinic's only).
    ("audit", "view_auditentry"),
]
GROUPS = {"Therapists": THERAPIST_PERMISSIONS, "Clinic admins": CLINIC_ADMIN_PERMISSIONS}


def clinic_groups_sync(apps: Any = None) -> None:
    """Create the groups and give each exactly its permissions."""
    if apps is None:
        from django.apps import apps as installed

        apps = installed
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    migrated = set(ContentType.objects.values_list("app_label", flat=True).distinct())
    for name, wanted in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        # An app not migrated yet (on a fresh database, the audit trail during migration 0002
        # and until its own migrate ends) gives its permissions when its migrate ends: see
        # audit/apps.py. A misspelt permission of a migrated app still fails here.
        permissions = [
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in wanted
            if app_label in migrated
        ]
        group.permissions.set(permissions)
