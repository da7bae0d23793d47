from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The link in an invitation: the person chooses a password and is logged in. The token is
    Django's password-reset token, so the link stops working once a password is set."""

    template_name = "registration/invitation_accept.html"
    post_reset_login = True
    success_url = reverse_lazy("home")
    reset_url_token = "choose-password"  # noqa: S105 (a URL segment, not a password)
