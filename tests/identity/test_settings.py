"""STAFF_REQUIRE_2FA is on by default in production (DEBUG=false), off in development, and the
passkey settings follow OCEANIS_BASE_URL."""

from __future__ import annotations

import pytest

from tests.oceanis.test_settings import _run

READ = (
    "import oceanis.settings as s; "
    "print(s.STAFF_REQUIRE_2FA, s.OTP_WEBAUTHN_RP_ID, s.OTP_WEBAUTHN_ALLOWED_ORIGINS[0])"
)
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "x" * 50}


@pytest.mark.parametrize(
    "variables,expected",
    [
        ({}, "False localhost http://localhost:8000"),
        (PRODUCTION, "True localhost http://localhost:8000"),
        (
            {**PRODUCTION, "OCEANIS_BASE_URL": "https://desk.oceanis.fr"},
            "True desk.oceanis.fr https://desk.oceanis.fr",
        ),
        ({**PRODUCTION, "STAFF_REQUIRE_2FA": "false"}, "False localhost http://localhost:8000"),
    ],
    ids=["development", "production", "production-domain", "switched-off"],
)
def test_the_staff_requirement_and_passkey_domain_defaults(tmp_path, variables, expected):
    assert _run(tmp_path, READ, **variables) == expected
