from django.urls import path

from yibao.console import views

app_name = "console"

urlpatterns = [
    path("", views.todo, name="todo"),
    path("find/", views.find_case, name="find"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<str:number>/", views.case_detail, name="case_detail"),
    path("cases/<str:number>/check/", views.check_case, name="check"),
    path("cases/<str:number>/refuse/", views.refuse, name="refuse"),
    path("cases/<str:number>/advance/", views.advance, name="advance"),
    path("cases/<str:number>/resubmit/", views.resubmit, name="resubmit"),
    path("cases/<str:number>/rate/", views.rate_at_window, name="rate"),
    path("cases/<str:number>/supplement/", views.request_supplement, name="supplement"),
    path("files/<int:file_id>/", views.download_file, name="download_file"),
    path("new/", views.new_case, name="new_case"),
    path("transfers/legs/<int:leg_id>/do/", views.do_transfer_leg, name="do_transfer_leg"),
    path("new/checklist/", views.new_checklist, name="new_checklist"),
]
