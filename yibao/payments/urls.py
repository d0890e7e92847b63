from django.urls import path

from yibao.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("<int:pk>/", views.payment_detail, name="detail"),
    path("<int:pk>/reissue/", views.reissue, name="reissue"),
    path("disburse/", views.disburse, name="disburse"),
    path("batches/<str:number>.xlsx", views.batch_file, name="batch_file"),
    path("returns/", views.bank_returns, name="returns"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
]
