"""What the patients app tells whoever listens: today, the audit trail (audit/) listens.

A signal rather than a call, so that dependencies keep pointing one way (audit imports
patients, never the reverse) and the admin stays free of the trail's rules."""

from django.dispatch import Signal

# A staff member opened a page (or a download) showing patient data. Arguments:
#   sender   the model whose rows were shown (Patient, PainReport, …)
#   request  the staff member's request
#   records  the rows shown, each leading to its patient
#   what     the page, in the clinic's words ("Pain reports list", "Patient page …")
#   export   True for a download, which the trail keeps apart from a read
patient_data_read = Signal()

# Patient data changed by a conditional UPDATE (which Django's model signals do not see: an
# alert acknowledged, a paused programme resumed, a screen request cancelled). Arguments:
#   sender   the model changed
#   instance the row, as it is now
#   changes  {field name: [before, after]}
patient_data_changed = Signal()
