"""A worker whose persistent database connection was killed answers its next request normally."""

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test import RequestFactory


def test_persistent_connections_are_health_checked():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def _wsgi_get(path):
    """One request through the real WSGI handler (the test client skips close_old_connections)."""
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
    statuses = []
    body = b"".join(WSGIHandler()(environ, lambda status, headers, *args: statuses.append(status)))
    return statuses[0], body


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_terminate_backend is PostgreSQL's")
def test_the_first_request_after_the_backend_was_terminated_succeeds(settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.close()
    assert _wsgi_get("/api/regions")[0].startswith("200")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    killer = connections.create_connection("default")
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()

    status, _body = _wsgi_get("/api/regions")

    assert status.startswith("200")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
