"""Every route of the real app: declared once, guarded unless public, documented."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from app import app
from chalicelib.auth.authorizer import jwt_auth

PUBLIC_ROUTES = {("/v1/health", "GET"), ("/openapi.json", "GET"), ("/docs", "GET"), ("/v1/public/keys", "GET"),
                 ("/v1/public/contacts", "GET"), ("/v1/public/policies", "GET"),
                 ("/v1/public/transparency", "GET"), ("/v1/public", "GET"), ("/v1/public/page.css", "GET"),
                 # /docs's files: Swagger UI (vendored), its initialiser and our stylesheet.
                 ("/docs/swagger-ui-bundle.js", "GET"), ("/docs/swagger-ui.css", "GET"), ("/docs/docs.js", "GET"),
                 ("/docs/docs.css", "GET")}


PUBLIC_PAGES = {("/console/sign-in", "GET"), ("/console/callback", "GET"), ("/console/signed-out", "GET"),
                ("/console/static/{name}", "GET"),
                # Applying for an account: the applicant has none yet (their forms carry a token of their own).
                ("/console/apply", "GET"), ("/console/apply", "POST"), ("/console/apply/sent", "GET"),
                ("/console/apply/confirm", "GET"), ("/console/apply/confirm", "POST")}


def is_page(entry) -> bool:
    return hasattr(entry.view_function, "__liaison_page__")


def app_routes() -> set[tuple[str, str]]:
    """The API's routes (the web pages are HTML for people, outside the OpenAPI contract)."""
    return {(path, method) for path, methods in app.routes.items() for method, entry in methods.items()
            if not is_page(entry)}


def test_given_the_web_pages_then_each_is_declared_as_a_page_and_only_sign_in_and_applying_are_open():
    pages = {(path, method): entry for path, methods in app.routes.items() for method, entry in methods.items()
             if path.startswith("/console")}
    assert pages and all(is_page(entry) for entry in pages.values())
    for (path, method), entry in pages.items():
        page = entry.view_function.__liaison_page__
        assert page.public == ((path, method) in PUBLIC_PAGES), (method, path)
        assert entry.authorizer is None  # the session guard, not the bearer-token authorizer
    assert {key for key, entry in pages.items() if entry.view_function.__liaison_page__.public} == PUBLIC_PAGES


def test_given_each_guarded_page_then_its_roles_are_those_of_the_api_route_it_does_the_work_of():
    """One role table: a page declares the API route it stands for, and takes that route's roles."""
    operations = {f"{op.method} {op.path}": op.roles for path, methods in app.routes.items()
                  for method, entry in methods.items()
                  if (op := getattr(entry.view_function, "__liaison_operation__", None)) is not None}
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            page = getattr(entry.view_function, "__liaison_page__", None)
            if page is None or page.public:
                continue
            assert page.like in operations, (method, path, page.like)
            assert page.roles == operations[page.like] and page.roles, (method, path)


def test_given_the_app_then_only_the_intended_routes_are_public():
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if is_page(entry):
                continue
            operation = getattr(entry.view_function, "__liaison_operation__")
            if (path, method) in PUBLIC_ROUTES:
                assert operation.public and entry.authorizer is None, (method, path)
            else:
                assert not operation.public, (method, path)
                assert entry.authorizer is not None and entry.authorizer.name == jwt_auth.name, (method, path)
                assert operation.roles, (method, path)


def test_given_the_openapi_document_then_its_paths_and_methods_equal_the_apps_routes(client):
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    document = response.json_body
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    assert documented == app_routes()


def test_given_the_openapi_document_then_it_is_valid_openapi_3_1(client):
    document = client.http.get("/openapi.json").json_body
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises on any violation of the 3.1 schema


def test_given_the_openapi_document_then_private_operations_declare_bearer_security(client):
    document = client.http.get("/openapi.json").json_body
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if (path, method.upper()) in PUBLIC_ROUTES:
                assert operation["security"] == []
            else:
                assert operation["security"] == [{"bearerAuth": []}]
                assert {"401", "403"} <= set(operation["responses"])


def test_given_a_response_model_then_the_document_uses_its_pydantic_schema(client):
    from chalicelib.api.identity import CallerView

    document = client.http.get("/openapi.json").json_body
    schema = document["components"]["schemas"]["CallerView"]
    assert set(schema["properties"]) == set(CallerView.model_json_schema(mode="serialization")["properties"])
    ref = document["paths"]["/v1/me"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ref == {"$ref": "#/components/schemas/CallerView"}


def test_given_the_submission_route_then_the_idempotency_header_is_documented(client):
    document = client.http.get("/openapi.json").json_body
    parameters = document["paths"]["/v1/requests"]["post"]["parameters"]
    assert [(p["name"], p["in"], p["required"]) for p in parameters] == [("Idempotency-Key", "header", False)]


def test_given_the_document_then_the_error_statuses_each_kind_of_operation_can_answer_are_declared(client):
    document = client.http.get("/openapi.json").json_body
    for path, item in document["paths"].items():
        for method, op in item.items():
            declared = set(op["responses"])
            private, changes = bool(op["security"]), method in {"post", "put"}
            assert ({"401", "403", "503"} <= declared) == private, (method, path)
            assert ({"409", "422"} <= declared) == (private and changes), (method, path)
            assert ({"413", "415"} <= declared) == ("requestBody" in op), (method, path)
    assert "429" in document["paths"]["/v1/requests"]["post"]["responses"]


def test_given_a_body_model_without_required_fields_then_the_body_is_optional(client):
    """No body is read as {}: a body whose fields are all optional may be left out (curl -X POST …/acknowledge)."""
    paths = client.http.get("/openapi.json").json_body["paths"]
    assert paths["/v1/requests"]["post"]["requestBody"]["required"] is True
    assert paths["/v1/requests/{request_id}/acknowledge"]["post"]["requestBody"]["required"] is False
    puts = [item["put"] for item in paths.values() if "put" in item]
    assert puts and all(op["requestBody"]["required"] is True for op in puts)  # a PUT replaces a whole document


def test_given_the_docs_page_then_it_draws_swagger_ui_over_the_document_that_lists_every_route(client):
    response = client.http.get("/docs")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.body.decode()
    assert 'id="swagger-ui"' in page and "docs/swagger-ui-bundle.js?v=" in page and "docs/docs.js?v=" in page
    initialiser = client.http.get("/docs/docs.js").body.decode()
    assert 'new URL("openapi.json", document.baseURI)' in initialiser
    document = client.http.get("/openapi.json").json_body
    assert {(path, method.upper()) for path, item in document["paths"].items() for method in item} == app_routes()
    # The Authorize button: every private operation asks for the bearer-JWT scheme the document declares.
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


@pytest.mark.parametrize("role, extra", [
    ("authority", {"agency_id": "fr-valmont-cyber"}),
    ("representative", {"region": "eu"}),
    ("admin", {}),
])
def test_given_each_role_then_me_reports_the_principal(client, issuer, role, extra):
    sub = "rep-eu-lindqvist" if role == "representative" else f"{role}-1"  # a representative must be registered
    token = issuer.mint(role=role, sub=sub, mfa=True, **extra)
    response = client.http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json_body
    assert body["role"] == role and body["subject"] == sub and body["mfa"] is True
    assert body.get("agency_id") == extra.get("agency_id")
    assert body.get("region") == extra.get("region")
    assert body["token_expires_at"].endswith("Z")
