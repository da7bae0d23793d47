import os

from portal.config import exit_on_bad_configuration

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

with exit_on_bad_configuration():
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
