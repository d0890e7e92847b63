from django.urls import path

from yibao.offsite import views

app_name = "offsite"
urlpatterns = [
    path("", views.my_filings, name="mine"),
    path("filings/<str:number>/cancel/", views.cancel, name="cancel"),
    path("filings/<str:number>/form9.pdf", views.form9, name="form9"),
    path("staff/", views.staff_query, name="staff_query"),
    path("batch/", views.batch, name="batch"),
    path("batch/template/<slug:city>/<slug:key>.xlsx", views.batch_template, name="batch_template"),
]
