"""Response headers Django 5.2 does not set by itself.

Django 5.2 has no Content-Security-Policy support (it arrives in 6.0), so this
small middleware adds the policy of ``settings.CONTENT_SECURITY_POLICY`` to every
response that does not carry one already. The templates keep every script in a
static file (no inline ``<script>`` and no ``on…=`` attributes), so the policy
needs no ``'unsafe-inline'`` for scripts.
"""

from __future__ import annotations

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
