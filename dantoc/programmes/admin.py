from django.contrib import admin

from dantoc.accounts.permissions import can_edit_catalogue
from dantoc.programmes.models import Component, Programme
from dantoc.programmes.selectors import TREE_ORDER
from dantoc.programmes.services import component_save, programme_save


class CatalogueAdminMixin:
    """Only national system administrators edit the catalogue; every save is audited."""

    def has_module_permission(self, request):
        return can_edit_catalogue(request.user)

    def has_view_permission(self, request, obj=None):
        return can_edit_catalogue(request.user)

    def has_add_permission(self, request):
        return can_edit_catalogue(request.user)

    def has_change_permission(self, request, obj=None):
        return can_edit_catalogue(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


class ComponentInline(admin.TabularInline):
    model = Component
    fields = ["code", "parent", "level", "order", "name", "name_en", "source"]
    extra = 0
    can_delete = False
    ordering = TREE_ORDER


@admin.register(Programme)
class ProgrammeAdmin(CatalogueAdminMixin, admin.ModelAdmin):
    list_display = ["code", "short_name", "start_year", "end_year"]
    inlines = [ComponentInline]

    def save_model(self, request, obj, form, change):
        programme_save(actor=request.user, programme=obj, is_new=not change)

    def save_formset(self, request, form, formset, change):
        for component in formset.save(commit=False):
            component_save(actor=request.user, component=component, is_new=component.pk is None)


@admin.register(Component)
class ComponentAdmin(CatalogueAdminMixin, admin.ModelAdmin):
    list_display = ["code", "programme", "level", "name"]
    list_filter = ["programme", "level"]
    ordering = TREE_ORDER
    search_fields = ["code", "name"]

    def save_model(self, request, obj, form, change):
        component_save(actor=request.user, component=obj, is_new=not change)
