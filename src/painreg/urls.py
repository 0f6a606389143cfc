"""Project URLs: staff pages, login, language switch and the coordinator's admin.

Apps add one ``path(..., include(...))`` line each. Every pattern here is
walked by ``tests/integration/test_url_access.py``: a new view is checked for
cross-unit access automatically, and a public one must be added to that
test's allow-list with a reason.
"""

from __future__ import annotations

from django.urls import include, path
from django.views.i18n import set_language

from painreg.registry.admin import coordinator_admin

urlpatterns = [
    path("admin/", coordinator_admin.urls),
    path("konto/", include("painreg.accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("region/", include("painreg.dashboard.planning_views")),
    path("statistik/", include("painreg.dashboard.views")),
    path("enkat/", include("painreg.eprom.urls")),
    path("", include("painreg.api.urls")),
    path("kvalitet/", include("painreg.quality.views")),
    path("validering/", include("painreg.verification.urls")),
    path("", include("painreg.registry.urls")),
]

# A lost database connection answers 503 with Retry-After; anything else a plain 500.
handler500 = "painreg.views.server_error"
# The questionnaire's addresses answer a broken link with a patient page.
handler404 = "painreg.views.page_not_found"
