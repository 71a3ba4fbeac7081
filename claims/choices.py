from django.db import models


class Verdict(models.TextChoices):
    UNRATED = "unrated", "Unrated"
    TRUE = "true", "True"
    MOSTLY_TRUE = "mostly_true", "Mostly true"
    MIXED = "mixed", "Mixed"
    MOSTLY_FALSE = "mostly_false", "Mostly false"
    FALSE = "false", "False"
    MISLEADING = "misleading", "Misleading"
    UNVERIFIABLE = "unverifiable", "Unverifiable"


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    RETRACTED = "retracted", "Retracted"


# Which status a claim may move to from each status. Publishing additionally needs the publishing rule.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    ClaimStatus.DRAFT: frozenset({ClaimStatus.IN_REVIEW, ClaimStatus.PUBLISHED}),
    ClaimStatus.IN_REVIEW: frozenset({ClaimStatus.DRAFT, ClaimStatus.PUBLISHED}),
    ClaimStatus.PUBLISHED: frozenset({ClaimStatus.IN_REVIEW, ClaimStatus.RETRACTED}),
    ClaimStatus.RETRACTED: frozenset({ClaimStatus.IN_REVIEW}),
}

# Statuses anonymous users and researchers may see.
PUBLIC_STATUSES = (ClaimStatus.PUBLISHED, ClaimStatus.RETRACTED)


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    REFUTES = "refutes", "Refutes"
    CONTEXT = "context", "Context"


class ExcerptStatus(models.TextChoices):
    UNCHECKED = "unchecked", "Unchecked"
    FOUND = "found", "Found"
    MISSING = "missing", "Missing"
