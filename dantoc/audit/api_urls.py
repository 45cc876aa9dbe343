from django.urls import path

from dantoc.audit.apis import AuditEntryListApi

app_name = "audit_api"
urlpatterns = [
    path("api/v1/audit-entries/", AuditEntryListApi.as_view(), name="audit-entry-list"),
]
