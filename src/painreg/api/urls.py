"""The API's URLs (``painreg.urls`` includes them): API v1, FHIR and the token page."""

from __future__ import annotations

from django.urls import path

from painreg.api import fhir, views
from painreg.api.v1api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("fhir/", fhir.api.urls),
    path("api-nycklar/", views.token_list, name="api_tokens"),
    path("api-nycklar/<int:token_id>/aterkalla/", views.token_revoke, name="api_token_revoke"),
]
