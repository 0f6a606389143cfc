"""URLs of source-data validation (Swedish paths: the users' language)."""

from __future__ import annotations

from django.urls import path

from painreg.verification import views

app_name = "verification"

_ROUND = "<int:round_id>/"
_SAMPLE = _ROUND + "stickprov/<int:sample_id>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("ny/", views.round_create, name="round_create"),
    path(_ROUND, views.round_detail, name="round"),
    path(_ROUND + "dra/", views.round_draw, name="draw"),
    path(_ROUND + "validerare/", views.validator_add, name="validator_add"),
    path(
        _ROUND + "validerare/<int:user_id>/ta-bort/",
        views.validator_remove,
        name="validator_remove",
    ),
    path(_ROUND + "resultat/", views.round_results, name="results"),
    path(_ROUND + "rapport.xlsx", views.report_xlsx, name="report_xlsx"),
    path(_ROUND + "rapport.pdf", views.report_pdf, name="report_pdf"),
    path(_ROUND + "rapport.html", views.report_html, name="report_html"),
    path(_ROUND + "stickprov/", views.validator_round, name="samples"),
    path(_SAMPLE, views.sample_entry, name="entry"),
    path(_SAMPLE + "jamforelse/", views.sample_comparison, name="comparison"),
]
