"""Extranet accounts: invite a contact (create their login, email a set-password link)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from clients.models import Contact


def contact_user(contact: Contact):
    """Return the contact's login, creating it (no usable password yet) when missing.

    The username is the e-mail address. An existing account is reused only when it is a
    non-staff account not already linked to another contact: a staff account never becomes a
    client login.
    """
    if not contact.is_active:
        raise ValidationError(_("Ce contact est désactivé."))
    if not contact.email:
        raise ValidationError(_("Ce contact n'a pas d'adresse e-mail."))
    if contact.user_id:
        return contact.user
    User = get_user_model()
    email = contact.email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(username__iexact=email).first()
        if user is None:
            user = User(username=email, email=email)
            user.set_unusable_password()
        elif user.is_staff or user.is_superuser or Contact.objects.filter(user=user).exists():
            raise ValidationError(
                _("Le compte %(email)s existe déjà et ne peut pas être rattaché à ce contact.")
                % {"email": email}
            )
        user.first_name = contact.first_name
        user.last_name = contact.last_name
        user.is_staff = False
        user.save()
        contact.user = user
        contact.save(update_fields=["user"])
    return user


def set_password_url(user, base_url: str) -> str:
    """An absolute, single-use link to choose a password (Django's reset token)."""
    path = reverse(
        "extranet:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


def invite_contact(contact: Contact, *, base_url: str) -> str:
    """Create the contact's account if needed and e-mail them a set-password link.

    Returns the address the invitation went to. Raises ValidationError when the contact cannot
    be invited (no e-mail, inactive, address taken by a staff account).
    """
    user = contact_user(contact)
    context = {
        "contact": contact,
        "client": contact.client,
        "url": set_password_url(user, base_url),
        "login_url": base_url.rstrip("/") + reverse("extranet:login"),
        "username": user.get_username(),
    }
    send_mail(
        subject=render_to_string("extranet/emails/invitation_subject.txt", context).strip(),
        message=render_to_string("extranet/emails/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email or contact.email],
    )
    return user.email or contact.email
