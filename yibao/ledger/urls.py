from django.urls import path

from yibao.ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.xlsx", views.export, name="export"),
    path("outflows.xlsx", views.outflows_export, name="outflows"),
    path("outflows/", views.outflows, name="outflows_page"),
]
