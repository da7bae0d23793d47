from django.urls import path

from patients import programme_views

urlpatterns = [
    path(
        "programme/exercises/<int:item_id>/",
        programme_views.programme_exercise,
        name="programme_exercise",
    ),
]
