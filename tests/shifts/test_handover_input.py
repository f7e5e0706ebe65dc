"""The hand-over's ``from`` (the outgoing agent): a value that is no technician's id answers
404, never a 500."""

import pytest
from django.urls import reverse

from tests.factories import make_manager
from tests.shifts.test_shifts import agents  # noqa: F401 - the fixture


@pytest.mark.parametrize("value", ["abc", "1.5", "-2", "99999999999999999999999"])
def test_a_from_that_is_not_a_technician_answers_404(client, agents, value):  # noqa: F811
    client.force_login(make_manager().user)
    assert client.get(reverse("shifts:handover"), {"from": value}).status_code == 404
