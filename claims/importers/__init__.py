"""Parsers that turn files, pages and feeds into plain dataclasses; the writes live in claims.services."""
