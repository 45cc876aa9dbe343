"""Reads of the editorial workflow."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model

from dantoc.core.languages import CONTENT_LANGUAGES, SOURCE_LANGUAGE, Language
from dantoc.editorial.models import TranslationStatus
from dantoc.editorial.workflows import workflow_for


@dataclass(frozen=True)
class LanguageState:
    language: Language
    status: str  # a TranslationStatus value, or "" when there is no translation yet

    @property
    def label(self) -> str:
        return str(TranslationStatus(self.status).label) if self.status else "Chưa dịch"


def translation_states(item: Model) -> list[LanguageState]:
    """Every content language but the Vietnamese source, with the state of the item's
    translation in it (an editor sees at a glance what is missing or waiting)."""
    workflow = workflow_for(type(item))
    held = dict(getattr(item, workflow.translations).values_list("language", "status"))
    return [
        LanguageState(language, held.get(language.code, ""))
        for language in CONTENT_LANGUAGES
        if language.code != SOURCE_LANGUAGE
    ]


def published_translation(item: Model, language: str):
    """The item's translation in ``language`` if a reader may see it (from prefetched rows)."""
    workflow = workflow_for(type(item))
    for translation in getattr(item, workflow.translations).all():
        if translation.language == language and translation.status == TranslationStatus.PUBLISHED:
            return translation
    return None
