"""The only module of claims that sources may import: what the link checker reads from claims and writes to it.

claims knows sources (evidence cites a source); the way back goes through here, so it stays in one place.
"""

from .selectors import evidence_excerpts_for_sources
from .services import evidence_excerpt_status_record

__all__ = ["evidence_excerpt_status_record", "evidence_excerpts_for_sources"]
