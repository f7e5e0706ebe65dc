"""Extranet login, logout, password reset and the set-password page of invitations."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from ..forms import ContactPasswordResetForm, ExtranetLoginForm


class LoginView(auth_views.LoginView):
    """The stock LoginView (it passes ``request`` to authenticate, as django-axes needs).

    Staff who log in here are sent to the back-office.
    """

    template_name = "extranet/login.html"
    authentication_form = ExtranetLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        if self.request.user.is_staff:
            return reverse_lazy("home")
        return reverse_lazy("extranet:home")

    def get_redirect_url(self):
        url = super().get_redirect_url()
        # A staff user never follows a ?next= into the extranet, nor a contact out of it.
        if url and self.request.user.is_authenticated:
            inside = url.startswith(str(reverse_lazy("extranet:home")))
            if inside == bool(self.request.user.is_staff):
                return ""
        return url


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("extranet:login")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "extranet/password_reset.html"
    form_class = ContactPasswordResetForm
    email_template_name = "extranet/emails/password_reset.txt"
    subject_template_name = "extranet/emails/password_reset_subject.txt"
    success_url = reverse_lazy("extranet:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "extranet/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Used both by "forgot password" and by invitations (same single-use token)."""

    template_name = "extranet/password_reset_confirm.html"
    success_url = reverse_lazy("extranet:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "extranet/password_reset_complete.html"
