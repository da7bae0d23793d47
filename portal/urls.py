from django.contrib import admin
from django.urls import include, path

from patients.forms import AdminLoginForm
from portal import views

admin.site.site_header = "Clinic exercise portal"
admin.site.site_title = "Clinic exercise portal"
admin.site.index_title = "Your clinic"
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("patients.urls")),
    path("", include("patients.programme_urls")),
    path("accounts/", include("patients.account_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("exercises/", include("exercises.urls")),
    path("admin/", admin.site.urls),
]
