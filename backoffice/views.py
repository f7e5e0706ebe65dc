from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from staff.models import is_staff_member


@login_required
def home(request):
    """Staff land on their work; client contacts never reach the back-office."""
    if not is_staff_member(request.user):
        raise PermissionDenied
    return redirect("admin:tickets_ticket_changelist")
