from django.urls import path

from dantoc.programmes import views

app_name = "programmes"
urlpatterns = [
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/<str:code>/", views.programme_detail, name="programme_detail"),
]
