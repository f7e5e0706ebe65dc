"""Who may use the RUN-process screens (incidents, problems, changes, shifts).

Staff pages use the back-office's decorators, built on ``staff.policy`` (client contacts get 403,
anonymous users the login page). Client pages use the extranet's own ``contact_required``
(active contacts only, with ``request.contact`` set); everything they read is filtered on
``request.contact.client`` so another client's ids answer 404.
"""

from backoffice.access import policy_required, staff_required, technician_of, user_is_manager

__all__ = ["policy_required", "staff_required", "technician_of", "user_is_manager"]
