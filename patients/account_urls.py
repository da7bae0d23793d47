from django.urls import path

from patients import account_views

urlpatterns = [
    path("two-factor/", account_views.two_factor, name="two_factor"),
    path("two-factor/verify/", account_views.two_factor_verify_view, name="two_factor_verify"),
    path(
        "two-factor/backup-codes/",
        account_views.two_factor_backup_codes,
        name="two_factor_backup_codes",
    ),
    path("two-factor/off/", account_views.two_factor_off, name="two_factor_off"),
    path("sessions/end-others/", account_views.sessions_end_others, name="sessions_end_others"),
]
