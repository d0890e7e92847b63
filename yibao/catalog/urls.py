from django.urls import path

from yibao.catalog import views

app_name = "catalog"

urlpatterns = [
    path("compare/", views.compare, name="compare"),
    path("<slug:city>/", views.city, name="city"),
    path("<slug:city>/<slug:key>/", views.item, name="item"),
    path("<slug:city>/<slug:key>/guide.pdf", views.item_pdf, name="item_pdf"),
]
