"""django-otp-webauthn's passkey ceremonies, fitted to this app: staff only, a passkey is a
second factor after the password (never a login by itself), and a verified ceremony marks the
session like a TOTP code does (``identity_verified = "webauthn"``)."""

from __future__ import annotations

import json

from django.urls import reverse
from django_otp_webauthn import exceptions
from django_otp_webauthn import views as upstream

from . import flows, selectors, services


class StaffOnly(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "staff_only"
    default_detail = "Passkeys are offered to staff accounts."


class _Fitted:
    def initial(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if not user.is_staff:
            raise StaffOnly()
        # The library asks django-otp's middleware flag; here the session's own mark decides.
        user.is_verified = lambda: services.session_is_verified(request)
        super().initial(request, *args, **kwargs)


class _Registration(_Fitted):
    def user_is_mfa_enrolled(self, user) -> bool:
        return selectors.has_factor(user)


class BeginRegistration(_Registration, upstream.BeginCredentialRegistrationView):
    pass


class CompleteRegistration(_Registration, upstream.CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            credential_id = json.loads(response.content)["id"]
            services.passkey_registered(
                user=self.request.user, request=self.request, credential_id=credential_id
            )
        return response


class BeginAuthentication(_Fitted, upstream.BeginCredentialAuthenticationView):
    pass


class CompleteAuthentication(_Fitted, upstream.CompleteCredentialAuthenticationView):
    def complete_auth(self, device):
        if device.user_id != self.request.user.pk:
            raise exceptions.CredentialUserMismatch()
        services.session_mark_verified(request=self.request, method="webauthn")

    def get_success_url(self):
        return flows.safe_next(self.request, reverse("home"))
