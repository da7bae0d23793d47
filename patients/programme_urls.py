from django.urls import path

from patients import outcome_views, programme_views

urlpatterns = [
    path(
        "programme/exercises/<int:item_id>/",
        programme_views.programme_exercise,
        name="programme_exercise",
    ),
    path("screens/<int:request_id>/", programme_views.screen_record, name="screen_record"),
    path("outcomes/psfs/", outcome_views.psfs_new, name="psfs_new"),
]
