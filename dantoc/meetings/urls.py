from django.urls import path

from dantoc.meetings import views

app_name = "meetings"
urlpatterns = [
    path("hop/", views.meeting_list, name="list"),
    path("hop/moi/", views.meeting_schedule, name="schedule"),
    path("hop/nhiem-vu/", views.task_list, name="tasks"),
    path("hop/nhiem-vu/<int:pk>/xong/", views.task_done, name="task_done"),
    path("hop/lich/", views.calendar, name="calendar"),
    path("hop/thong-ke/", views.online_share, name="online_share"),
    path("hop/lich/<str:token>.ics", views.feed, name="feed"),
    path("hop/janus/su-kien/", views.janus_events, name="janus_events"),
    path("hop/<uuid:uuid>/", views.meeting_detail, name="detail"),
    path("hop/<uuid:uuid>/sua/", views.meeting_edit, name="edit"),
    path("hop/<uuid:uuid>/huy/", views.meeting_cancel, name="cancel"),
    path("hop/<uuid:uuid>/giay-moi.ics", views.invitation_ics, name="invitation_ics"),
    path("hop/<uuid:uuid>/phong/", views.meeting_room, name="room"),
    path("hop/<uuid:uuid>/diem-danh/", views.attendance, name="attendance"),
    path("hop/<uuid:uuid>/diem-danh/ma/", views.checkin_code, name="checkin_code"),
    path("hop/<uuid:uuid>/diem-danh/<str:code>/", views.checkin, name="checkin"),
    path("hop/<uuid:uuid>/bien-ban/", views.minutes, name="minutes"),
    path("hop/<uuid:uuid>/tai-lieu/", views.document_upload, name="document_upload"),
]
