from django.urls import path

from yibao.reimbursement import views

app_name = "reimbursement"

urlpatterns = [
    path("claims/<str:number>/", views.claim_review, name="claim_review"),
    path("claims/<str:number>/adjust/", views.adjust_line, name="adjust_line"),
    path("accidents/<str:number>/", views.accident, name="accident"),
    path("accidents/<str:number>/investigate/", views.investigate, name="investigate"),
    path("accidents/<str:number>/determine/", views.determine, name="determine"),
]
