"""Store the Official Account's refresh token (from the OA authorisation, OAuth v4), so the
adapter can get access tokens: ``manage.py channels_zalo_token --refresh-token …``.

An existing row keeps its tokens unless ``--replace`` (a refresh token is single-use: the
stored one may already be newer than the one given)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dantoc.audit.services import audit_record
from dantoc.channels import zalo
from dantoc.channels.models import ZaloToken


class Command(BaseCommand):
    help = "Store the Zalo OA refresh token obtained by authorising the Official Account."

    def add_arguments(self, parser):
        parser.add_argument("--refresh-token", required=True)
        parser.add_argument("--replace", action="store_true")

    def handle(self, *args, refresh_token: str, replace: bool, **options):
        if not zalo.configured():
            raise CommandError("Zalo is not configured (DANTOC_ZALO_APP_ID, DANTOC_ZALO_OA_ID).")
        oa_id = zalo.config()["OA_ID"]
        token, created = ZaloToken.objects.get_or_create(
            oa_id=oa_id,
            defaults={
                "access_token": "",
                "refresh_token": refresh_token,
                "expires_at": timezone.now() - datetime.timedelta(seconds=1),
            },
        )
        if not created and replace:
            token.refresh_token = refresh_token
            token.access_token = ""
            token.expires_at = timezone.now() - datetime.timedelta(seconds=1)
            token.save()
        if created or replace:
            audit_record(
                actor=None,
                action="channels.zalo_token_stored",
                obj=token,
                object_repr=f"OA {oa_id}",
            )
        self.stdout.write("stored" if created or replace else "kept the stored token")
