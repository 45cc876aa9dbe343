from django.urls import path

from dantoc.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("jobs/<uuid:job_id>/", views.job_progress, name="job"),
    path("jobs/<uuid:job_id>/download", views.job_download, name="job_download"),
    path("favicon.ico", views.favicon, name="favicon"),
]
