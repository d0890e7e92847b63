from django.urls import path

from yibao.maternity import views

app_name = "maternity"

urlpatterns = [
    path("unit/", views.unit_pass_on, name="unit_pass_on"),
]
