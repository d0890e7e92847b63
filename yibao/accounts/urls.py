from django.urls import path

from yibao.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.me, name="me"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register_view, name="register"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("phone/", views.phone_view, name="phone"),
    path("activation/", views.activation_view, name="activation"),
]
