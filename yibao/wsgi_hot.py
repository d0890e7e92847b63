"""WSGI application with the hot read endpoints on their lean path (yibao.api.hot), Django for the rest.

Serve it like yibao.wsgi (same settings, database and tokens), e.g. under granian:
``granian --interface wsgi yibao.wsgi_hot:application``.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yibao.settings")
django_application = get_wsgi_application()

from yibao.api.hot import HotApplication  # noqa: E402 — needs the app registry set up above

application = HotApplication(django_application)
