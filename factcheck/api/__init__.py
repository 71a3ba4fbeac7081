"""Plumbing shared by the claims and sources APIs, one module per concern.

It lives at project level because both apps' APIs use it and `sources` must not import from `claims.api`. Import
from the module that owns a thing (`factcheck.api.pagination.KeysetPagination`); this package re-exports nothing.
"""
