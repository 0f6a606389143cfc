"""URLs of login, two-factor steps, logout, and unlocking and resetting colleagues' logins."""

from __future__ import annotations

from django.urls import path

from painreg.accounts import staff_views, views

app_name = "accounts"

urlpatterns = [
    path("logga-in/", views.login_view, name="login"),
    path("tvafaktor/", views.verify_view, name="verify"),
    path("tvafaktor/aktivera/", views.enrol_view, name="enrol"),
    path("logga-ut/", views.logout_view, name="logout"),
    path("personal/", staff_views.staff_accounts, name="staff_accounts"),
    path("personal/<int:user_id>/", staff_views.staff_account, name="staff_account"),
]
