from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from dantoc.accounts.models import Role

# django-otp's admin shows each authenticator's secret key (and its QR code) to whoever opens
# it; administrators reset a lost authenticator on the official's account page instead
# (accounts:user_totp_reset, audited, the owner told).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
