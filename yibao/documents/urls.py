from django.urls import path

from yibao.documents import views

app_name = "documents"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
    path("cases/<str:number>/issued/<str:code>.pdf", views.case_document, name="case_document"),
    path("cases/<str:number>/forms/<str:form_number>.pdf", views.case_form, name="case_form"),
]
