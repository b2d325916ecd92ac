"""Pages of the plans app (namespace `plans`): the front door first; helpers add their own
lines below (a flat list). Ids in paths use the `id` converter (ASCII digits only)."""

from django.urls import URLPattern, URLResolver, path

from plans.web import agreements, auth, checkin, forums, home, links, phases
from plans.web.audit import compare as history_compare
from plans.web.audit import timeline as history_timeline
from plans.web.audit import verify as history_verify

app_name = "plans"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", auth.LoginView.as_view(), name="login"),
    path("login/", auth.LoginView.as_view(), name="login-page"),
    path("logout/", auth.logout_view, name="logout"),
    path("password-reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password-reset/done/", auth.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("home/", home.home, name="home"),
    # personal links from emails (plans/links.py)
    path("l/new/", links.fresh_link, name="link-fresh"),
    path("l/sign-out/", links.sign_out, name="link-sign-out"),
    path("l/<str:token>/", links.open_link, name="link"),
    # forums, attendance, agreements and phases of a plan (H7)
    path("plans/<id:plan_id>/forums/", forums.forum_list, name="forum-list"),
    path("plans/<id:plan_id>/forums/new/", forums.forum_schedule, name="forum-schedule"),
    path("forums/<id:forum_id>/", forums.forum_detail, name="forum-detail"),
    path("forums/<id:forum_id>/edit/", forums.forum_edit, name="forum-edit"),
    path("forums/<id:forum_id>/agenda/", forums.forum_agenda, name="forum-agenda"),
    path("forums/<id:forum_id>/cancel/", forums.forum_cancel, name="forum-cancel"),
    path("forums/<id:forum_id>/hold/", forums.forum_hold, name="forum-hold"),
    path("forums/<id:forum_id>/check-in/", checkin.forum_checkin, name="forum-checkin"),
    path("forums/<id:forum_id>/attendance/", checkin.attendance_add, name="attendance-add"),
    path("forums/<id:forum_id>/attendance/<id:attendance_id>/remove/", checkin.attendance_remove,
         name="attendance-remove"),
    path("plans/<id:plan_id>/agreements/", agreements.agreement_list, name="agreement-list"),
    path("plans/<id:plan_id>/agreements/new/", agreements.agreement_create, name="agreement-create"),
    path("agreements/<id:agreement_id>/", agreements.agreement_detail, name="agreement-detail"),
    path("agreements/<id:agreement_id>/positions/", agreements.position_record, name="position-record"),
    # the confirmation page an agreement email's option links open (?option=agree)
    path("agreements/<id:agreement_id>/position/", agreements.position_confirm, name="agreement-position"),
    path("agreements/<id:agreement_id>/close/", agreements.agreement_close, name="agreement-close"),
    path("plans/<id:plan_id>/phases/", phases.phase_list, name="phase-list"),
    path("phases/<id:phase_id>/start/", phases.phase_start, name="phase-start"),
    path("phases/<id:phase_id>/complete/", phases.phase_complete, name="phase-complete"),
    path("phases/<id:phase_id>/skip/", phases.phase_skip, name="phase-skip"),
    # the auditor's workbench: timeline, compare, verify and the downloads (H11)
    path("plans/<id:plan_id>/history/", history_timeline.history, name="history"),
    path("plans/<id:plan_id>/history/compare/", history_compare.history_compare, name="history-compare"),
    path("plans/<id:plan_id>/history/verify/", history_verify.history_verify, name="history-verify"),
    path("plans/<id:plan_id>/history/export/", history_verify.history_export, name="history-export"),
    path("plans/<id:plan_id>/history/chain-export/", history_verify.chain_export, name="history-chain-export"),
    path("history/verify_export.py", history_verify.verify_script, name="history-verify-script"),
]
