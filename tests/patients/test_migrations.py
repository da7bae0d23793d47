"""An installation upgraded from before addresses were folded keeps every account, each in its one
spelling, and refuses (with a message naming both) two accounts that differ only in spelling."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("patients", "0004_safety_guidance_and_programme_hold")]
AFTER = [("patients", "0005_user_email_folded")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_stored_addresses_are_folded_by_the_upgrade() -> None:
    old = _migrate(BEFORE)
    old.get_model("patients", "User").objects.create(email="Alex.Moreno@Example.COM ")
    try:
        new = _migrate(AFTER)
        emails = list(new.get_model("patients", "User").objects.values_list("email", flat=True))
        assert emails == ["alex.moreno@example.com"]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_two_spellings_of_one_address_stop_the_upgrade_with_their_names() -> None:
    old = _migrate(BEFORE)
    User = old.get_model("patients", "User")
    User.objects.create(email="robin@x.test")
    User.objects.create(email="Robin@X.Test")
    try:
        with pytest.raises(RuntimeError, match=re.escape("'robin@x.test' and 'Robin@X.Test'")):
            _migrate(AFTER)
    finally:
        User.objects.filter(email="Robin@X.Test").delete()
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
