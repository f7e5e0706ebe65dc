"""WSGI entry point (gunicorn oceanis.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oceanis.settings")
application = get_wsgi_application()
