from django.urls import path

from exercises import views

app_name = "exercises"
urlpatterns = [
    path("", views.exercise_index, name="index"),
    path("learn/<slug:slug>/", views.education_detail, name="education"),
    path("<slug:slug>/", views.exercise_detail, name="detail"),
]
