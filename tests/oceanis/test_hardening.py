"""Production hardening: HTTPS settings from the environment, `check --deploy` clean with the
documented production environment, a Content-Security-Policy on every page, no inline script."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from tests.factories import ContactFactory, UserFactory

ROOT = Path(settings.BASE_DIR)
HTTPS_SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SAMESITE",
]


def _environment(tmp_path, **variables) -> dict:
    """The machine's environment without Oceanis settings, plus `variables` (a clean start)."""
    # Browser test modules set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright: never in production.
    local = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in local}
    env["OCEANIS_VAR_DIR"] = str(tmp_path)
    env.update(variables)
    return env


def _production(tmp_path, **variables) -> dict:
    """The README's production environment: DEBUG=false, a 50+ character secret, the hosts."""
    return _environment(
        tmp_path,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="desk.oceanis.example",
        **variables,
    )


def _settings_under(env: dict) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {HTTPS_SETTINGS!r}}}))"
    )
    out = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "oceanis.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_check_deploy_reports_nothing_with_the_documented_production_environment(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production(tmp_path),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_defaults_are_https_only_and_the_embedded_mode_is_plain_http(tmp_path):
    production = _settings_under(_production(tmp_path))
    assert production == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SAMESITE": "Lax",
    }
    embedded = _settings_under(_environment(tmp_path))
    assert embedded == {
        **dict.fromkeys(HTTPS_SETTINGS, False),
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_PROXY_SSL_HEADER": None,
        "LANGUAGE_COOKIE_SAMESITE": "Lax",
    }


def test_each_https_setting_can_be_changed_from_the_environment(tmp_path):
    changed = _settings_under(
        _production(
            tmp_path,
            SECURE_SSL_REDIRECT="false",
            SECURE_HSTS_SECONDS="600",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
            SECURE_HSTS_PRELOAD="true",
            SECURE_PROXY_SSL_HEADER="X-Forwarded-Scheme",
            SESSION_COOKIE_SECURE="false",
        )
    )
    assert changed["SECURE_SSL_REDIRECT"] is False
    assert changed["SECURE_HSTS_SECONDS"] == 600
    assert changed["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is changed["SECURE_HSTS_PRELOAD"] is True
    assert changed["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_SCHEME", "https"]
    # The CSRF and language cookies follow the session cookie unless set themselves.
    assert not changed["CSRF_COOKIE_SECURE"] and not changed["LANGUAGE_COOKIE_SECURE"]
    assert (
        _settings_under(_production(tmp_path, SECURE_PROXY_SSL_HEADER=""))[
            "SECURE_PROXY_SSL_HEADER"
        ]
        is None
    )


PRODUCTION_HTTPS = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "LANGUAGE_COOKIE_SECURE": True,
}


@pytest.mark.django_db
@override_settings(**PRODUCTION_HTTPS)
def test_behind_the_proxy_http_is_redirected_and_https_gets_hsts(client):
    plain = client.get("/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/login/"
    secure = client.get("/login/", headers={"x-forwarded-proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
    # Container probes reach gunicorn over plain http: the health check is not redirected.
    assert client.get(reverse("healthz")).status_code == 200


@pytest.mark.django_db
@override_settings(**PRODUCTION_HTTPS)
def test_the_language_cookie_is_secure_samesite_and_http_only_in_production(client):
    response = client.post(
        reverse("set_language"),
        {"language": "en", "next": "/login/"},
        headers={"x-forwarded-proto": "https"},
    )
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["secure"] and cookie["samesite"] == "Lax" and cookie["httponly"]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


@pytest.fixture
def contact_client(client):
    contact = ContactFactory(user=UserFactory())
    client.force_login(contact.user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who,path",
    [
        ("anonymous", "/login/"),
        ("anonymous", "/extranet/login/"),
        ("anonymous", "/api/v1/nope/"),
        ("anonymous", "/api/v1/schema/"),
        ("technician", "/"),
        ("technician", "/dispatch/"),
        ("technician", "/notifications/"),
        ("technician", "/admin/"),
        ("contact", "/extranet/"),
    ],
)
def test_every_page_carries_a_strict_content_security_policy(
    client, technician, who, path, request
):
    if who == "technician":
        technician.user.is_superuser = True  # the admin too
        technician.user.save()
        client.force_login(technician.user)
    elif who == "contact":
        request.getfixturevalue("contact_client")
    response = client.get(path)
    assert response.status_code in (200, 404), response.status_code
    policy = _policy(response)
    assert {name: policy.get(name) for name in STRICT} == STRICT
    assert "'unsafe-inline'" not in policy["style-src"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_api_docs_pages_relax_styles_only_and_run_no_inline_script(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "fonts.googleapis.com" not in html
    if path.endswith("/docs/"):  # Swagger's start-up script is a same-origin file
        script = client.get(f"{path}?script=")
        assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.I)
EVAL_NEEDED = re.compile(r"hx-trigger=\"[^\"]*\[|hx-vals=['\"]\s*(js|javascript):|hx-vars=", re.I)


def test_no_template_needs_inline_script_or_eval():
    """What the policy would block: inline <script>, on*= handlers, htmx filters/js: values."""
    offenders = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            if "email" in path.parts[-2]:
                continue  # mails are not pages
            text = path.read_text()
            for pattern in (INLINE_SCRIPT, INLINE_HANDLER, EVAL_NEEDED):
                offenders += [f"{path.relative_to(ROOT)}: {m}" for m in pattern.findall(text)]
    assert offenders == []


def test_htmx_runs_without_eval_and_without_its_inline_indicator_style():
    for base in ("templates/base.html", "templates/extranet/base.html"):
        head = (ROOT / base).read_text()
        config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", head)
        assert config, base
        assert json.loads(config.group(1)) == {"includeIndicatorStyles": False, "allowEval": False}
