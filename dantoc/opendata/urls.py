from django.urls import path

from dantoc.opendata import feeds, views

app_name = "opendata"
urlpatterns = [
    path("du-lieu-mo/", views.catalogue, name="catalogue"),
    # Before the DCAT-AP ``du-lieu-mo/<name>.<fmt>`` addresses (opendata.api_urls).
    path("du-lieu-mo/atom.xml", feeds.ReleaseFeed(), name="release_feed"),
    path("quan-ly/du-lieu-mo/", views.manage_list, name="manage"),
    path("quan-ly/du-lieu-mo/moi/", views.dataset_edit, name="create"),
    path("quan-ly/du-lieu-mo/<slug:name>/sua/", views.dataset_edit, name="edit"),
    path("quan-ly/du-lieu-mo/<slug:name>/cong-bo/", views.dataset_publish, name="publish"),
    path("quan-ly/du-lieu-mo/<slug:name>/cap-nhat/", views.dataset_refresh, name="refresh"),
    path("quan-ly/du-lieu-mo/<slug:name>/ngung/", views.dataset_withdraw, name="withdraw"),
    path("du-lieu-mo/<slug:name>/", views.dataset_detail, name="dataset"),
    path("du-lieu-mo/<slug:name>/tai-ve.<str:fmt>", views.latest_download, name="latest"),
    path("du-lieu-mo/<slug:name>/phien-ban/<int:version>/", views.release_detail, name="release"),
    # The stable address of a release file: /du-lieu-mo/<name>/phien-ban/<n>/<name>-v<n>.<fmt>
    path(
        "du-lieu-mo/<slug:name>/phien-ban/<int:version>/<str:filename>",
        views.release_download,
        name="release_download",
    ),
]
