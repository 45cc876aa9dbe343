from django.urls import path

from dantoc.experts import views

app_name = "experts"
urlpatterns = [
    path("chuyen-gia/", views.directory, name="directory"),
    path("chuyen-gia/dang-ky/", views.register, name="register"),
    path("chuyen-gia/loi-moi/<str:token>/", views.invitation, name="invitation"),
    path("chuyen-gia/ho-so-cua-toi/", views.my_profile, name="my_profile"),
    path("chuyen-gia/ho-so-cua-toi/anh/", views.my_photo, name="my_photo"),
    path("chuyen-gia/ho-so-cua-toi/tai-lieu/", views.my_document, name="my_document"),
    path("chuyen-gia/ho-so-cua-toi/dong-y/", views.my_consent, name="my_consent"),
    path("chuyen-gia/ho-so-cua-toi/du-lieu.json", views.my_data, name="my_data"),
    path("chuyen-gia/tim-theo-du-an/", views.match, name="match"),
    path("chuyen-gia/quan-ly/", views.manage, name="manage"),
    path("chuyen-gia/quan-ly/them/", views.create, name="create"),
    path("chuyen-gia/quan-ly/nhap/", views.import_upload, name="import"),
    path("chuyen-gia/quan-ly/mau-nhap.xlsx", views.import_template, name="import_template"),
    path("chuyen-gia/xuat.<str:fmt>", views.export, name="export"),
    path("chuyen-gia/<uuid:uuid>/", views.profile, name="profile"),
    path("chuyen-gia/<uuid:uuid>/jsonld", views.profile_jsonld, name="profile_jsonld"),
    path("chuyen-gia/<uuid:uuid>/anh/", views.photo, name="photo"),
    path("chuyen-gia/<uuid:uuid>/lien-he/", views.contact, name="contact"),
    path("chuyen-gia/<uuid:uuid>/tai-lieu/<int:pk>/", views.document, name="document"),
    path("chuyen-gia/<uuid:uuid>/xac-minh/", views.verify, name="verify"),
    path("chuyen-gia/<uuid:uuid>/tham-gia/", views.engagement, name="engagement"),
    path("chuyen-gia/<uuid:uuid>/xoa/", views.erase, name="erase"),
]
