"""What tests outside the audit trail's own need of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from audit.services import patient_data_read_record_from_signal
from patients.signals import patient_data_read


@contextmanager
def reads_not_recorded() -> Iterator[None]:
    """Pages opened inside are not written to the audit trail (whose one INSERT a page is
    tested in tests/audit/test_costs.py), so that a test counts the page's own queries."""
    patient_data_read.disconnect(dispatch_uid="audit-patient-data-read")
    try:
        yield
    finally:
        patient_data_read.connect(
            patient_data_read_record_from_signal, dispatch_uid="audit-patient-data-read"
        )
