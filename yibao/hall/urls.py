from django.urls import path  # noqa: F401

app_name = "hall"

urlpatterns: list = []
