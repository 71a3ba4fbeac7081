"""The one module of claims that sources may import (an import-linter contract in pyproject.toml holds it so).

claims builds on sources (evidence cites a source); the way back is narrow and named here: which sources, link checks
and citing evidence a user may see (they follow claim visibility, in the API and the admin alike), who reads the
checker's own error text and who sees a source's captures, what the link checker reads of the evidence citing a
source and what it records of it, what a capture records of the evidence citing its source and which sources are due
one (as SQL conditions), and the project's text rules for forms.
"""

from .selectors.sources import (
    cited_before_sql,
    cited_by_public_claim_sql,
    claims_citing_sources,
    evidence_citing_sources,
    evidence_excerpts_for_sources,
    evidence_of_ids,
    restrict_link_checks,
    restrict_sources,
    source_checks,
    source_get,
    source_list,
)
from .selectors.visibility import (
    restrict_evidence,
    user_sees_captures,
    user_sees_check_details,
    visible_claims_condition,
)
from .services import evidence_excerpt_status_record
from .validators import harden_form

__all__ = [
    "cited_before_sql",
    "cited_by_public_claim_sql",
    "claims_citing_sources",
    "evidence_citing_sources",
    "evidence_excerpt_status_record",
    "evidence_excerpts_for_sources",
    "evidence_of_ids",
    "harden_form",
    "restrict_evidence",
    "restrict_link_checks",
    "restrict_sources",
    "source_checks",
    "source_get",
    "source_list",
    "user_sees_captures",
    "user_sees_check_details",
    "visible_claims_condition",
]
