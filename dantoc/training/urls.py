from django.urls import path

from dantoc.training import views

app_name = "training"
urlpatterns = [
    path("tap-huan/", views.event_list, name="event_list"),
    path("tap-huan/tao/", views.event_create, name="event_create"),
    path("tap-huan/muc-tieu/", views.goal, name="goal"),
    path("tap-huan/danh-sach-can-bo/", views.roster_page, name="roster"),
    path("tap-huan/giang-vien/", views.trainers, name="trainers"),
    path("tap-huan/danh-sach-can-bo/mau.xlsx", views.roster_template, name="roster_template"),
    path("tap-huan/su-kien/<uuid:uuid>/", views.event_detail, name="event_detail"),
    path("tap-huan/su-kien/<uuid:uuid>/dang-ky/", views.event_register, name="event_register"),
    path("tap-huan/su-kien/<uuid:uuid>/cu/", views.event_nominate, name="event_nominate"),
    path("tap-huan/su-kien/<uuid:uuid>/phien/", views.session_create, name="session_create"),
    path("tap-huan/su-kien/<uuid:uuid>/doi-tuong/", views.event_audience, name="event_audience"),
    path("tap-huan/su-kien/<uuid:uuid>/tai-lieu/", views.material_create, name="material_create"),
    path(
        "tap-huan/su-kien/<uuid:uuid>/tai-lieu/<uuid:material>/",
        views.material_file,
        name="material_file",
    ),
    path(
        "tap-huan/su-kien/<uuid:uuid>/tai-lieu/<uuid:material>/xoa/",
        views.material_remove,
        name="material_remove",
    ),
    path(
        "tap-huan/su-kien/<uuid:uuid>/diem-danh/", views.attendance_manual, name="attendance_manual"
    ),
    path("tap-huan/su-kien/<uuid:uuid>/nguoi-dan/", views.headcount_save, name="headcount_save"),
    path("tap-huan/su-kien/<uuid:uuid>/ket-thuc/", views.event_finish, name="event_finish"),
    path("tap-huan/su-kien/<uuid:uuid>/huy/", views.event_cancel, name="event_cancel"),
    path("tap-huan/su-kien/<uuid:uuid>/danh-gia/", views.feedback, name="feedback"),
    path("tap-huan/su-kien/<uuid:uuid>/lich.ics", views.event_ics, name="event_ics"),
    path("tap-huan/su-kien/<uuid:uuid>/ma-qr.svg", views.checkin_qr, name="checkin_qr"),
    path(
        "tap-huan/su-kien/<uuid:uuid>/nguoi-tham-du/<int:pk>/<slug:verb>/",
        views.participant_action,
        name="participant_action",
    ),
    path("tap-huan/diem-danh/<str:token>/", views.checkin, name="checkin"),
    path("tap-huan/khoa-hoc/", views.course_manage, name="course_manage"),
    path("tap-huan/khoa-hoc/<uuid:uuid>/", views.course_detail, name="course_detail"),
    path("tap-huan/khoa-hoc/<uuid:uuid>/sua/", views.course_edit, name="course_edit"),
    path(
        "tap-huan/khoa-hoc/<uuid:uuid>/bai/<int:position>/",
        views.lesson_detail,
        name="lesson_detail",
    ),
    path(
        "tap-huan/khoa-hoc/<uuid:uuid>/bai/<int:position>/tep/",
        views.lesson_media,
        name="lesson_media",
    ),
    path("tap-huan/khoa-hoc/<uuid:uuid>/kiem-tra/", views.quiz, name="quiz"),
    path("chung-nhan/kiem-tra/", views.credential_check, name="credential_check"),
    path("chung-nhan/to-chuc-cap/", views.issuer_profile, name="issuer_profile"),
    path("chung-nhan/to-chuc-cap/jwks.json", views.issuer_jwks, name="issuer_jwks"),
    path("chung-nhan/<uuid:uuid>/", views.certificate_verify, name="certificate_verify"),
    path("chung-nhan/<uuid:uuid>/chung-nhan.pdf", views.certificate_pdf, name="certificate_pdf"),
    path(
        "chung-nhan/<uuid:uuid>/open-badge.jwt",
        views.certificate_credential,
        name="certificate_credential",
    ),
    path("chung-nhan/<uuid:uuid>/thu-hoi/", views.certificate_revoke, name="certificate_revoke"),
]
