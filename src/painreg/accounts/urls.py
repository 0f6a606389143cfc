"""URLs of login, two-factor steps, logout and the unit switcher."""

from __future__ import annotations

from django.urls import path

from painreg.accounts import views

app_name = "accounts"

urlpatterns = [
    path("logga-in/", views.login_view, name="login"),
    path("tvafaktor/", views.verify_view, name="verify"),
    path("tvafaktor/aktivera/", views.enrol_view, name="enrol"),
    path("logga-ut/", views.logout_view, name="logout"),
]
