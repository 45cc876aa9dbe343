import pytest


@pytest.fixture(autouse=True)
def _badge_key(tmp_path, settings):
    """Each test signs with a key of its own (made on first use), for a site address of its
    own: nothing is written to the platform's var directory."""
    settings.TRAINING_BADGE_KEY_FILE = str(tmp_path / "key.json")
    settings.SITE_URL = "https://dantoc.example"
