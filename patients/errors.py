"""What a patient's action may run into: shared by the services and the triage of reports."""


class ActionRefused(Exception):
    """A patient's action that cannot be done; the message says why, in their words."""
