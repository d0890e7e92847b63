from django.urls import path

from yibao.medical_aid import views

app_name = "medical_aid"

urlpatterns = [
    path("my/", views.my_aid, name="my_aid"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/<int:pk>/", views.programme, name="programme"),
    path("programmes/<int:pk>/export.xlsx", views.programme_export, name="programme_export"),
    path("programmes/<int:pk>/<str:action>/", views.programme_action, name="programme_action"),
]
