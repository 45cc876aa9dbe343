"""A password hasher for the test suite only: Argon2id as in production (same algorithm, same
``argon2$argon2id$`` encoding, so tests of the stored form still hold) with the smallest cost
parameters. Production's parameters take about 0.12 s per hash and per check on these machines,
and the suite signs people in and creates accounts a few thousand times. The test session
puts it first in ``PASSWORD_HASHERS`` (conftest.py); servers a test starts for real
(``dantoc.core.testing.serve``) use the production settings."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64  # KiB
    parallelism = 1
