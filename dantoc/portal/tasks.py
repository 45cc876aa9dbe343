"""Background work of the portal. Scheduled publication is the editorial workflow's
(``dantoc.editorial.tasks``); the name below keeps publications queued before the workflow
moved there (their stored task path) running after an upgrade.
"""

from dantoc.editorial.tasks import content_publish_due_task  # noqa: F401
