from django.urls import path

from dantoc.channels import views

app_name = "channels"
urlpatterns = [
    path("kenh/dang-ky/", views.subscribe, name="subscribe"),
    path("kenh/dang-ky/<uuid:uuid>/xac-nhan/", views.confirm, name="confirm"),
    path("kenh/dang-ky/<uuid:uuid>/", views.subscribed, name="subscribed"),
    path("kenh/huy/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("kenh/hop-thu-di/", views.outbox, name="outbox"),
    path("kenh/hop-thu-di/<uuid:uuid>/gui-lai/", views.outbox_requeue, name="requeue"),
    path("kenh/cua-toi/", views.preference, name="preference"),
    path("kenh/zalo/webhook/", views.zalo_webhook, name="zalo_webhook"),
]
