from django.urls import path

from yibao.rules import views

app_name = "rules"

urlpatterns = [
    path("console/rules/", views.parameters, name="parameters"),
    path("console/rules/<slug:region>/<slug:parameter>/<int:series>/add/", views.add_value, name="add_value"),
    path("rules/trial/", views.trial_page, name="trial"),
    path("rules/trial/template.xlsx", views.lines_template, name="lines_template"),
]
