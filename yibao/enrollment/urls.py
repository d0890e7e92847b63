from django.urls import path

from yibao.enrollment import views

app_name = "enrollment"
urlpatterns = [
    path("baopan/", views.baopan, name="baopan"),
    path("baopan/template.xlsx", views.baopan_template, name="baopan_template"),
    path("baopan/<str:number>/file.xlsx", views.baopan_file, name="baopan_file"),
    path("account/", views.my_account, name="my_account"),
    path("withdrawal/<str:number>/death-verification/", views.death_verification, name="death_verification"),
    path("withdrawal/<str:number>/commitment.pdf", views.death_commitment, name="death_commitment"),
]
