"""URLs of the ePROM app, mounted at ``enkat/``.

Staff pages live under ``personal/`` (behind the two-factor login); the
patient's pages are the token paths, public by design and listed in the
project's URL-access test allow-list with that reason.
"""

from __future__ import annotations

from django.urls import path

from painreg.eprom import eid, profile_views, views_patient, views_staff

app_name = "eprom"

#: Names of the public patient pages (the token is the key; see views_patient; the
#: e-ID pages' key is the sign-in at the region's e-ID broker, see eid).
PUBLIC_URL_NAMES = (
    "start",
    "page",
    "review",
    "done",
    "stop_reminders",
    "eid_start",
    "eid_callback",
    "own_answers",
    "own_answers_pdf",
    "own_sign_in",
    "own_sign_out",
)

urlpatterns = [
    path("personal/oversikt/", views_staff.overview, name="overview"),
    path(
        "personal/registreringar/<int:registration_id>/tillfallen/<str:kind>/inbjudan/",
        views_staff.invite,
        name="invite",
    ),
    path(
        "personal/inbjudningar/<int:invitation_id>/",
        views_staff.invitation_detail,
        name="invitation_detail",
    ),
    path(
        "personal/inbjudningar/<int:invitation_id>/oppna-igen/",
        views_staff.invitation_reopen,
        name="invitation_reopen",
    ),
    path(
        "personal/registreringar/<int:registration_id>/svarsprofil/",
        profile_views.profile_page,
        name="profile",
    ),
    path(
        "personal/registreringar/<int:registration_id>/svarsprofil.pdf",
        profile_views.profile_pdf,
        name="profile_pdf",
    ),
    # The patient signed in with e-ID: the broker's answer, their own answers.
    path("e-legitimation/tillbaka/", eid.callback, name="eid_callback"),
    path("mina-svar/", eid.own_answers, name="own_answers"),
    path("mina-svar/mina-svar.pdf", eid.own_answers_pdf, name="own_answers_pdf"),
    path("mina-svar/logga-in/", eid.own_sign_in, name="own_sign_in"),
    path("mina-svar/logga-ut/", eid.sign_out, name="own_sign_out"),
    path("<str:token>/", views_patient.start, name="start"),
    path("<str:token>/e-legitimation/", eid.start, name="eid_start"),
    path("<str:token>/sida/<int:number>/", views_patient.page, name="page"),
    path("<str:token>/skicka/", views_patient.review, name="review"),
    path("<str:token>/klart/", views_patient.done, name="done"),
    path("<str:token>/paminnelser/", views_patient.stop_reminders, name="stop_reminders"),
]
