from django.urls import path

from yibao.evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("rate/<str:case_number>/", views.rate, name="rate"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up, name="follow_up"),
    path("stats/", views.stats, name="stats"),
]
