from django.utils.functional import SimpleLazyObject

from dantoc.core.registry import menu_for


def main_menu(request):
    """The navigation links the apps declare, those the visitor may follow (computed only
    when a template shows them)."""
    user = getattr(request, "user", None)
    return {"main_menu": SimpleLazyObject(lambda: menu_for(user))}
