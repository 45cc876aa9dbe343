import pytest
from django.db import connection

from dantoc.editorial import workflows
from dantoc.editorial.tests.notices import NOTICE_WORKFLOW, Notice, NoticeTranslation


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test-only content type's tables, next to the real ones."""
    with django_db_blocker.unblock():
        existing = set(connection.introspection.table_names())
        with connection.schema_editor() as editor:
            for model in (Notice, NoticeTranslation):
                if model._meta.db_table not in existing:
                    editor.create_model(model)


@pytest.fixture(autouse=True)
def notice_workflow():
    """The test-only content type follows the workflow while this folder's tests run."""
    workflows.register(NOTICE_WORKFLOW)
    yield NOTICE_WORKFLOW
    workflows.unregister(Notice)
