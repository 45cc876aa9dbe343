"""The uploader's view of an asset (state, progress, failure reason, derivatives) and its
files. Other apps show assets on their own pages with the ``media`` template tags."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from dantoc.media import permissions, selectors, services
from dantoc.media.models import MediaState
from dantoc.media.responses import asset_profile_response


def _visible_asset(request, uuid):
    asset = selectors.asset_get(uuid=uuid)
    # Not found and not allowed look the same: an address does not reveal that a file exists.
    if asset is None or not permissions.can_view_asset(request.user, asset):
        raise Http404
    return asset


@login_required
@require_safe
def asset_detail(request, uuid):
    asset = _visible_asset(request, uuid)
    busy = asset.state in (MediaState.WAITING, MediaState.PROCESSING)
    return render(
        request,
        "media/asset_detail.html",
        {
            "asset": asset,
            "busy": busy,
            "derivatives": list(asset.derivatives.all()),
            "can_retry": asset.state == MediaState.FAILED
            and permissions.can_retry_asset(request.user, asset),
        },
    )


@login_required
@require_POST
def asset_retry(request, uuid):
    asset = _visible_asset(request, uuid)
    if not permissions.can_retry_asset(request.user, asset):
        raise Http404
    services.asset_retry(actor=request.user, asset=asset)
    return redirect("media:asset", uuid=asset.uuid)


@login_required
@require_safe
def asset_file(request, uuid, profile):
    asset = _visible_asset(request, uuid)
    return asset_profile_response(asset, profile, public=False, request=request)
