from django.urls import path

from yibao.institutions import views

app_name = "institutions"
urlpatterns = [
    path("", views.directory_page, name="directory"),
    path("publicity/", views.publicity_page, name="publicity"),
    path("mine/", views.mine, name="mine"),
    path("agreements/<str:number>.pdf", views.agreement_pdf, name="agreement_pdf"),
    path("staff/cases/<str:number>/", views.staff_case, name="staff_case"),
]
