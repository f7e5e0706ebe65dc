from datetime import timedelta

import pytest

from sla.policy import gti_rule


@pytest.mark.parametrize(
    ("urgency", "plan", "duration", "basis"),
    [
        ("critical", "24x7", timedelta(hours=1), "24x7"),
        ("very_blocking", "extended", timedelta(hours=4), "extended"),
        ("very_blocking", "standard", timedelta(hours=4), "standard"),
        # 8 h and 16 h always count in Oceanis business hours, whatever was subscribed.
        ("slightly_blocking", "24x7", timedelta(hours=8), "standard"),
        ("non_blocking", "extended", timedelta(hours=16), "standard"),
        # Without a contract everything runs on Oceanis hours.
        ("critical", None, timedelta(hours=1), "standard"),
    ],
)
def test_urgency_maps_to_duration_and_calendar(urgency, plan, duration, basis):
    rule = gti_rule(urgency, plan)
    assert (rule.duration, rule.basis) == (duration, basis)


def test_frozen_commitments_override_the_defaults():
    rule = gti_rule("critical", "24x7", {"critical": 30})
    assert rule.duration == timedelta(minutes=30)
    assert gti_rule("non_blocking", "24x7", {"critical": 30}).duration == timedelta(hours=16)


def test_unknown_urgency_is_refused():
    with pytest.raises(ValueError):
        gti_rule("apocalyptic", "standard")
