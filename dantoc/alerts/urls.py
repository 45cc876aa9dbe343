from django.urls import path

from dantoc.alerts import feeds, views

app_name = "alerts"
urlpatterns = [
    path("canh-bao/", views.public_list, name="public_list"),
    path("canh-bao/cap/atom.xml", feeds.AlertsAtomFeed(), name="feed_atom"),
    path("canh-bao/cap/rss.xml", feeds.AlertsRssFeed(), name="feed_rss"),
    path("canh-bao/cap/<uuid:uuid>.xml", views.cap_document, name="cap_document"),
    path("canh-bao/<uuid:uuid>/", views.public_detail, name="public_detail"),
    path("canh-bao/quan-ly/", views.manage_list, name="manage_list"),
    path("canh-bao/quan-ly/phat/", views.issue, name="issue"),
    path("canh-bao/quan-ly/<uuid:uuid>/cap-nhat/", views.update, name="update"),
    path("canh-bao/quan-ly/<uuid:uuid>/huy/", views.cancel, name="cancel"),
]
