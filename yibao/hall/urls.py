from django.urls import path

from yibao.hall import views

app_name = "hall"

urlpatterns = [
    path("", views.index, name="index"),
    path("apply/<slug:city>/<slug:key>/", views.apply, name="apply"),
    path("apply/<slug:city>/<slug:key>/checklist/", views.checklist, name="checklist"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/resubmit/", views.resubmit, name="resubmit"),
    path("cases/<str:number>/withdraw/", views.withdraw, name="withdraw"),
    path("cases/<str:number>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("cases/<str:number>/notices/<str:notice_number>.pdf", views.notice_pdf, name="notice_pdf"),
    path("progress/", views.progress, name="progress"),
    path("my/insurance/", views.my_insurance, name="my_insurance"),
    path("my/insurance/certificate.pdf", views.my_certificate_pdf, name="my_certificate_pdf"),
    path("my/insurance/contributions.pdf", views.my_contributions_pdf, name="my_contributions_pdf"),
    path("my/unit/", views.my_unit, name="my_unit"),
    path("my/unit/info.pdf", views.my_unit_info_pdf, name="my_unit_info_pdf"),
    path("my/unit/contributions.pdf", views.my_unit_record_pdf, name="my_unit_record_pdf"),
]
