"""Pages of the plans app (namespace `plans`): the front door first; helpers add their own
lines below (a flat list). Ids in paths use the `id` converter (ASCII digits only)."""

from django.urls import URLPattern, URLResolver, path

from plans.web import auth, home

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
]
