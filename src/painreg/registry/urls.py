"""URLs of the staff pages (Swedish paths: the users' language)."""

from __future__ import annotations

from django.urls import path

from painreg.registry import views, views_audit, views_occasions, views_unit

app_name = "registry"

_REG = "registreringar/<int:registration_id>/"
_OCC = _REG + "tillfallen/<str:kind>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("enhet/byt/", views.switch_unit, name="switch_unit"),
    path("patienter/", views.patient_search, name="patient_search"),
    path("patienter/<int:patient_id>/", views.patient_detail, name="patient_detail"),
    path(
        "patienter/<int:patient_id>/beslut/<str:decision>/",
        views.patient_decision,
        name="patient_decision",
    ),
    path("registreringar/ny/", views.registration_create, name="registration_create"),
    path(_REG, views.registration_detail, name="registration_detail"),
    path(_REG + "andra/", views.registration_edit, name="registration_edit"),
    path(_REG + "klarmarkera/", views.registration_sign_off, name="registration_sign_off"),
    path(_REG + "oppna/", views.registration_reopen, name="registration_reopen"),
    path(_REG + "historik/", views.registration_history, name="registration_history"),
    path(_OCC, views_occasions.occasion_detail, name="occasion_detail"),
    path(_OCC + "klarmarkera/", views_occasions.occasion_sign_off, name="occasion_sign_off"),
    path(_OCC + "oppna/", views_occasions.occasion_reopen, name="occasion_reopen"),
    path(_OCC + "<str:instrument>/", views_occasions.occasion_entry, name="occasion_entry"),
    path(
        _OCC + "<str:instrument>/ej-administrerat/",
        views_occasions.occasion_not_administered,
        name="occasion_not_administered",
    ),
    path("atkomstlogg/", views_unit.access_log, name="access_log"),
    path("granskningslogg/", views_audit.audit_trail, name="audit_trail"),
    path("arsvolymer/", views_unit.unit_totals, name="unit_totals"),
    path("medarbetare/", views_unit.unit_members, name="unit_members"),
    path(
        "medarbetare/<int:membership_id>/ta-bort/",
        views_unit.unit_member_remove,
        name="unit_member_remove",
    ),
]
