from django.http import Http404
from django.shortcuts import render

from dantoc.accounts.permissions import can_edit_catalogue
from dantoc.programmes import selectors


def programme_list(request):
    return render(
        request, "programmes/programme_list.html", {"programmes": selectors.programmes_list()}
    )


def programme_detail(request, code: str):
    programme = selectors.programme_get(code=code)
    if programme is None:
        raise Http404
    return render(
        request,
        "programmes/programme_detail.html",
        {
            "programme": programme,
            "tree": selectors.programme_tree(programme),
            "can_edit": can_edit_catalogue(request.user),
        },
    )
