from django.contrib import admin
from django.urls import include, path

from exercises.views import exercise_media_file
from patients.forms import AdminLoginForm
from patients.media import prescribed_exercise_media_file
from portal import views

admin.site.site_header = "Clinic exercise portal"
admin.site.site_title = "Clinic exercise portal"
admin.site.index_title = "Your clinic"
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The site as an app on a phone (portal/offline.py): the worker at the root, to serve it all.
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.web_app_manifest, name="web_app_manifest"),
    path("offline/", views.offline_page, name="offline"),
    path("", include("patients.urls")),
    path("", include("patients.programme_urls")),
    path("accounts/", include("patients.account_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("exercises/", include("exercises.urls")),
    # A clinic's own pictures and videos, each served only to those allowed to see it.
    path("media/exercise/<int:media_id>/", exercise_media_file, name="exercise_media"),
    path(
        "media/programme/<int:media_id>/",
        prescribed_exercise_media_file,
        name="programme_media",
    ),
    path("admin/", admin.site.urls),
]
