"""The therapists' tool. Every screen, dropdown, autocomplete, action and export is narrowed to
the user's clinic (a superuser sees all): see `patients.admin.scoping` and patients/selectors.py.

One module per family of screens, as the clinic names them; importing them registers them."""

from patients.admin import attention, media, people, prescriptions, records, screens  # noqa: F401
from patients.admin import patients as patients_admin  # noqa: F401
from patients.admin.scoping import ClinicScoped, ClinicScopedInline, ReadOnlyScoped

__all__ = ["ClinicScoped", "ClinicScopedInline", "ReadOnlyScoped"]
