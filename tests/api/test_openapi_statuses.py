"""Every API operation documents the statuses the middleware and ninja may answer before its view."""

import json

import pytest

pytestmark = pytest.mark.django_db


def operations(client):
    schema = client.get("/api/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_documents_nul_and_oversized_requests(client):
    for name, operation in operations(client):
        assert {"400", "413"} <= set(operation["responses"]), name


def test_operations_with_input_document_422_and_with_a_token_401(client):
    for name, operation in operations(client):
        if operation.get("requestBody") or operation.get("parameters"):
            assert "422" in operation["responses"], name
        if operation.get("security"):
            assert "401" in operation["responses"], name


def test_the_openapi_document_has_no_duplicate_status_keys(client):
    # Swagger UI refuses a document with a key twice (ninja's int 422 beside our "422").
    def no_duplicates(pairs):
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), keys
        return dict(pairs)

    json.loads(client.get("/api/openapi.json").content, object_pairs_hook=no_duplicates)
