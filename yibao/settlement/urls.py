from django.urls import path

from yibao.settlement import views

app_name = "settlement"
urlpatterns = [
    path("console/settlement/", views.console_list, name="console_list"),
    path("console/settlement/year-end/", views.console_year_end, name="console_year_end"),
    path("console/settlement/dip/", views.console_dip, name="console_dip"),
    path("console/settlement/runs/", views.console_runs, name="console_runs"),
    path("console/settlement/runs/<int:pk>/", views.console_run, name="console_run"),
    path("console/settlement/<int:pk>/", views.console_month, name="console_month"),
    path("console/settlement/<int:pk>/<str:fund>.pdf", views.console_pdf, name="console_pdf"),
    path("console/settlement/<int:pk>/reconcile/", views.console_reconcile, name="console_reconcile"),
    path("settlement/", views.mine, name="mine"),
    path("settlement/template.xlsx", views.file_template, name="template"),
    path("settlement/<str:month>/", views.mine_month, name="mine_month"),
    path("settlement/<str:month>/reconcile/", views.mine_reconcile, name="mine_reconcile"),
    path("settlement/<str:month>/<str:fund>.pdf", views.mine_pdf, name="mine_pdf"),
]
