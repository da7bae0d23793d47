from django.contrib.auth import views as auth_views
from django.urls import path

from patients import views
from patients.forms import LoginForm, PasswordResetForm

urlpatterns = [
    path("today/", views.today, name="today"),
    path("today/exercises/<int:item_id>/check-off/", views.check_off, name="check_off"),
    path("today/session/", views.session_player, name="session_guided"),
    path("today/exercises/<int:item_id>/play/", views.session_player, name="session_player"),
    path(
        "today/check-offs/<int:check_off_id>/undo/",
        views.check_off_undo_view,
        name="check_off_undo",
    ),
    path(
        "today/check-offs/<int:check_off_id>/rate/",
        views.check_off_rate_view,
        name="check_off_rate",
    ),
    path("pain/new/", views.pain_report_new, name="pain_report_new"),
    path("pain/<int:report_id>/", views.pain_report_detail, name="pain_report"),
    path(
        "pain/check-off/<int:check_off_id>/",
        views.check_off_guidance,
        name="check_off_guidance",
    ),
    path("safety-check/", views.safety_check, name="safety_check"),
    path("safety-check/<int:check_id>/", views.safety_check_result, name="safety_check_result"),
    path("history/", views.history, name="history"),
    path("programme/", views.handout, name="handout"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/push/", views.push_device_add, name="push_device_add"),
    path(
        "settings/push/<int:device_id>/delete/",
        views.push_device_remove,
        name="push_device_remove",
    ),
    path("reminders/off/<str:token>/", views.reminders_off, name="reminders_off"),
    # Before django.contrib.auth.urls (portal/urls.py): the same pages with the folded address.
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", views.SiteLogoutView.as_view(), name="logout"),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
]
