"""The tests' password hasher."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OneRoundPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's default hasher at one iteration instead of a million (0.2 s a user, thousands of users in the suite).
    Same algorithm name and format: the iteration count is in each hash, so a server the tests start as a separate
    process (gunicorn, a worker), which runs the real settings, checks these passwords as it checks any."""

    iterations = 1
