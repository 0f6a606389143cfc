"""The API v1 instance: OpenAPI at ``/api/v1/openapi.json``, the browsable page at
``/api/v1/docs`` (Swagger UI served from this server's static files: nothing is
loaded from elsewhere)."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from painreg.api import core, v1

DESCRIPTION = """The register's JSON API. Authenticate with an API token:
`Authorization: Bearer painreg_...` (created on the page *API-nycklar* or with
`painreg api-tokens create`). A token acts as its owner, within its scope (read or
write) and its units. Reads of identifiable data are written to the access log
as the web pages' are; writes are validated and audited as the web forms'.
Errors: `{"detail": ..., "errors": [{"field", "code", "message"}]}`.
See docs/api.md."""

api = NinjaAPI(
    title="painreg API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # No validator badge: Swagger UI would fetch it from validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)
core.install_handlers(api)
api.add_router("/", v1.router)
