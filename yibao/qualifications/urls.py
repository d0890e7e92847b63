from django.urls import path

from yibao.qualifications import views

app_name = "qualifications"

urlpatterns = [
    path("special-drugs/", views.special_drugs, name="special_drugs"),
    path("mine/", views.mine, name="mine"),
    path("staff/", views.staff_query, name="staff_query"),
    path("staff/<int:pk>/terminate/", views.terminate, name="terminate"),
    path("staff/special-drugs/", views.directory_admin, name="directory_admin"),
    path("staff/review/<str:number>/", views.review_criteria, name="review_criteria"),
    path("staff/special-drugs/template.csv", views.directory_template, name="directory_template"),
]
