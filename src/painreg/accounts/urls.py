"""URLs of login, two-factor steps, single sign-on, logout, and the staff account pages."""

from __future__ import annotations

from django.urls import path

from painreg.accounts import sso, staff_views, views

app_name = "accounts"

urlpatterns = [
    path("logga-in/", views.login_view, name="login"),
    path("tvafaktor/", views.verify_view, name="verify"),
    path("tvafaktor/aktivera/", views.enrol_view, name="enrol"),
    path("logga-ut/", views.logout_view, name="logout"),
    path("sso/", sso.start, name="sso"),
    path("sso/tillbaka/", sso.callback, name="sso_callback"),
    path("personal/", staff_views.staff_accounts, name="staff_accounts"),
    path("personal/<int:user_id>/", staff_views.staff_account, name="staff_account"),
]
