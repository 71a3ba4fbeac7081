"""Every write to claims, evidence and articles goes through these functions."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from sources.services import source_get_or_create
from sources.urlnorm import normalize_url

from .choices import STATUS_TRANSITIONS, ClaimStatus, CorrectionKind, ExcerptStatus, Stance, Verdict
from .corrections import PublicState, is_public, needs_note, public_change_kind
from .models import CLAIM_EDITABLE_FIELDS, Article, Claim, Correction, Evidence
from .selectors.visibility import restrict
from .validators import limit_for, validate_plain_text, validate_tag_count

# Fields a reviewer may change through claim_create and claim_update (the rest are kept by the services).
EDITABLE_CLAIM_FIELDS = frozenset(CLAIM_EDITABLE_FIELDS)


class VersionConflict(ValidationError):
    """Raised when a claim was saved by someone else since the caller read it."""


def publish_problems(*, verdict: str, explanation: str, evidence_count: int) -> list[str]:
    """Why a claim with these values may not be published (empty when it may)."""
    problems = []
    if verdict == Verdict.UNRATED:
        problems.append(_("choose a verdict other than “unrated”"))
    if not (explanation or "").strip():
        problems.append(_("write an explanation of the verdict"))
    if evidence_count < 1:
        problems.append(_("add at least one piece of evidence"))
    return problems


def claim_publish_problems(claim: Claim) -> list[str]:
    return publish_problems(verdict=claim.verdict, explanation=claim.explanation, evidence_count=claim.evidence.count())


def _refuse_publishing(problems: list[str]) -> ValidationError:
    listed = pgettext("between the problems of a refusal", "; ").join(problems)
    return ValidationError(
        _("This claim cannot be published yet: %(problems)s.") % {"problems": listed}, code="not_publishable"
    )


def version_conflict_message(current: Claim) -> str:
    who = current.reviewer.get_username() if current.reviewer_id else _("someone else")
    return _(
        "This claim was changed by %(who)s since you opened it (it is now at version %(version)s). "
        "Reload it to see their changes, then apply yours again; nothing was saved."
    ) % {"who": who, "version": current.version}


def check_status_transition(old: str, new: str) -> None:
    if old != new and new not in STATUS_TRANSITIONS[old]:
        raise ValidationError(
            _("A claim cannot go from “%(old)s” to “%(new)s”.")
            % {"old": ClaimStatus(old).label, "new": ClaimStatus(new).label},
            code="transition",
        )


def _stamp(claim: Claim, *, before: dict[str, Any], user) -> None:
    """Keep the derived fields of a claim consistent with what just changed."""
    now = timezone.now()
    if user is not None and (claim.verdict != before["verdict"] or claim.explanation != before["explanation"]):
        claim.reviewer = user
        claim.reviewed_at = now
    if claim.status == ClaimStatus.PUBLISHED and claim.published_at is None:
        claim.published_at = now
        claim.reviewed_at = claim.reviewed_at or now
    claim.version = before["version"] + 1
    claim._history_user = user


@dataclass(frozen=True)
class PublicChange:
    """What a save does to readers: its kind (claims.corrections; None when readers see no change) and the claim's
    last public state before it."""

    kind: str | None
    previous: PublicState | None
    new: PublicState


def claim_public_state(claim: Claim) -> PublicState:
    return PublicState(status=claim.status, verdict=claim.verdict, explanation=claim.explanation)


def claim_last_public_state(claim_id: int | None) -> PublicState | None:
    """The claim's last public state, read from its history through the visibility rule (None if it never had
    one). Not the caller's ``before``: a claim back in review must be compared with what readers last saw."""
    if claim_id is None:
        return None
    records = restrict(Claim.history.filter(id=claim_id), user=None).order_by("-history_id")
    found = records.values_list("status", "verdict", "explanation").first()
    return PublicState(*found) if found else None


def public_change_of(*, claim_id: int | None, new: PublicState, minor_edit: bool = False) -> PublicChange:
    """What saving ``new`` would do to readers. Reads the last public state only when ``new`` is public: a draft
    or re-review edit changes nothing readers see."""
    previous = claim_last_public_state(claim_id) if is_public(new.status) else None
    return PublicChange(public_change_kind(previous, new, minor=minor_edit), previous, new)


CORRECTION_NOTE_REQUIRED = "correction_note_required"


def check_correction_note(change: PublicChange, *, note: str, minor_edit: bool = False) -> None:
    """Refuse a change that readers must be told about (a new public verdict, a retraction, a reinstatement, an
    explanation edit not marked minor) when it comes without a public note."""
    if note:
        validate_plain_text(note)
        limit = limit_for("correction_note")
        if limit and len(note) > limit:
            message = _("The public correction note has %(length)s characters; at most %(limit)s.") % {
                "length": f"{len(note):,}",
                "limit": f"{limit:,}",
            }
            raise ValidationError({"correction_note": message})
    if not needs_note(change.kind) or note.strip():
        return
    previous, new = change.previous, change.new
    shown = _("It is shown to readers on the claim's page and in the public corrections log.")
    never_minor = ""
    if change.kind == CorrectionKind.RETRACTED:
        message = _("Retracting a published claim needs a public correction note saying why.")
    elif previous.status == ClaimStatus.RETRACTED and new.status != ClaimStatus.RETRACTED:
        message = _("Publishing a retracted claim again needs a public correction note saying why.")
    elif previous.verdict != new.verdict:
        message = _(
            "This changes the published verdict from “%(old)s” to “%(new)s”: write a public correction note saying "
            "what changed and why."
        ) % {"old": Verdict(previous.verdict).label, "new": Verdict(new.verdict).label}
        if minor_edit:
            never_minor = _("A change of verdict is never a minor edit.")
    else:
        message = _(
            "This changes the explanation of a published claim: write a public correction note saying what changed, "
            "or mark the edit as minor if it changes nothing a reader relies on (a typo, a link)."
        )
    message = " ".join(part for part in (message, shown, never_minor) if part)
    raise ValidationError({"correction_note": ValidationError(message, code=CORRECTION_NOTE_REQUIRED)})


def is_missing_correction_note(exc: ValidationError) -> bool:
    errors = getattr(exc, "error_dict", {}).get("correction_note", [])
    return any(error.code == CORRECTION_NOTE_REQUIRED for error in errors)


def _log_public_change(claim: Claim, change: PublicChange, *, note: str, user) -> Correction | None:
    if change.kind is None:
        return None  # nothing readers see changed: a note given for it is not published
    at = timezone.now()
    if change.kind == CorrectionKind.PUBLISHED and claim.published_at:
        at = claim.published_at  # an imported archive's claim keeps its own date of publication
    return Correction.objects.create(
        claim=claim,
        kind=change.kind,
        note=note.strip(),
        verdict_before=change.previous.verdict if change.previous else "",
        verdict_after=claim.verdict,
        created_at=at,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def claim_save(
    *,
    claim: Claim,
    user,
    before: dict[str, Any],
    evidence_count: int | None = None,
    correction_note: str = "",
    minor_edit: bool = False,
) -> Claim:
    """Validate and save a claim whose fields the caller has already set (the admin form does this). A change of
    what readers see is logged publicly (claims.corrections), and refused without a note where the rule asks one."""
    check_status_transition(before["status"], claim.status)
    if claim.status == ClaimStatus.PUBLISHED:
        count = claim.evidence.count() if evidence_count is None else evidence_count
        problems = publish_problems(verdict=claim.verdict, explanation=claim.explanation, evidence_count=count)
        if problems:
            raise _refuse_publishing(problems)
    change = public_change_of(claim_id=claim.pk, new=claim_public_state(claim), minor_edit=minor_edit)
    check_correction_note(change, note=correction_note, minor_edit=minor_edit)
    _stamp(claim, before=before, user=user)
    claim.full_clean(exclude=["article", "reviewer"])
    with transaction.atomic():  # the claim and its public log entry, or neither
        claim.save()
        _log_public_change(claim, change, note=correction_note, user=user)
    return claim


def snapshot(claim: Claim) -> dict[str, Any]:
    return {
        "verdict": claim.verdict,
        "explanation": claim.explanation,
        "status": claim.status,
        "version": claim.version,
    }


@transaction.atomic
def claim_lock(*, claim_id: int, expected_version: int | None) -> Claim:
    """Lock the claim row; refuse if it moved past the version the caller saw."""
    # No select_related("reviewer"): when this waits for another transaction's lock, PostgreSQL re-reads the
    # locked claim row but not the joined user row, so reviewer_id could be new and the joined reviewer NULL
    # (a 500 in version_conflict_message, found by make loadtest). The reviewer is read on conflict only.
    current = Claim.objects.select_for_update(of=("self",)).get(pk=claim_id)
    if expected_version is not None and current.version != expected_version:
        raise VersionConflict(version_conflict_message(current), code="version_conflict")
    return current


@transaction.atomic
def claim_create(*, user, text: str, tags: Iterable[str] = (), **fields: Any) -> Claim:
    """Create a claim (draft unless a status is given)."""
    unknown = set(fields) - EDITABLE_CLAIM_FIELDS
    if unknown:
        raise ValidationError(_("Unknown claim fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    tags = _checked_tags(tags)
    claim = Claim(text=text, **fields)
    # A new claim has no evidence yet, so it can start as anything but published.
    before = {"verdict": Verdict.UNRATED, "explanation": "", "status": claim.status, "version": 0}
    claim_save(claim=claim, user=user, before=before, evidence_count=0)
    if tags:
        claim_set_tags(claim=claim, tags=tags)
    return claim


def _checked_tags(tags: Iterable[str] | None) -> list[str] | None:
    if tags is None:
        return None
    tags = list(tags)
    try:
        validate_tag_count(tags)
    except ValidationError as exc:
        raise ValidationError({"tags": exc.error_list}) from exc
    return tags


def claim_set_tags(*, claim: Claim, tags: Iterable[str]) -> None:
    from .models import Tag

    names = sorted({t.strip() for t in _checked_tags(tags) if t and t.strip()})
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    for name in names:
        if name not in existing:
            existing[name], _ = Tag.objects.get_or_create(name=name)
    claim.tags.set(existing.values())


@transaction.atomic
def claim_update(
    *,
    claim_id: int,
    user,
    data: dict[str, Any],
    expected_version: int | None = None,
    correction_note: str = "",
    minor_edit: bool = False,
) -> Claim:
    """Change a claim's fields. Refused (VersionConflict) if it changed since `expected_version`; a public change
    that needs a note (claims.corrections) is refused without ``correction_note``."""
    unknown = set(data) - EDITABLE_CLAIM_FIELDS - {"tags"}
    if unknown:
        raise ValidationError(_("Unknown claim fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    tags = _checked_tags(data.pop("tags", None))
    claim = claim_lock(claim_id=claim_id, expected_version=expected_version)
    before = snapshot(claim)
    for name, value in data.items():
        setattr(claim, name, value)
    claim_save(claim=claim, user=user, before=before, correction_note=correction_note, minor_edit=minor_edit)
    if tags is not None:
        claim_set_tags(claim=claim, tags=tags)
    return claim


@dataclass
class BulkResult:
    changed: list[Claim] = field(default_factory=list)
    refused: list[tuple[Claim, str]] = field(default_factory=list)


def _bulk_apply(
    claims: Iterable[Claim], *, user, change, correction_note: str = "", without_note: str = ""
) -> BulkResult:
    """Apply `change(claim)` to each claim through claim_save, so each gets its history row and, if readers see the
    change, its public log entry with ``correction_note``. ``without_note`` is added to the refusal of a claim that
    needs a note this action cannot take."""
    result = BulkResult()
    for claim in claims:
        try:
            with transaction.atomic():
                locked = Claim.objects.select_for_update().get(pk=claim.pk)
                before = snapshot(locked)
                change(locked)
                claim_save(claim=locked, user=user, before=before, correction_note=correction_note)
        except ValidationError as exc:
            reason = " ".join(exc.messages)
            if without_note and is_missing_correction_note(exc):
                reason = f"{reason} {without_note}"
            result.refused.append((claim, reason))
        else:
            result.changed.append(locked)
    return result


def claims_move_to_review(*, claims: Iterable[Claim], user) -> BulkResult:
    def change(claim: Claim) -> None:
        claim.status = ClaimStatus.IN_REVIEW

    return _bulk_apply(claims, user=user, change=change)


def claims_publish(*, claims: Iterable[Claim], user) -> BulkResult:
    """Publish each claim that meets the publishing rule; the others are returned with the reason. A claim whose
    re-publication would change what readers last saw needs its own note, so it is refused here."""

    def change(claim: Claim) -> None:
        claim.status = ClaimStatus.PUBLISHED

    without_note = _("Publish it from its own page, where the note is written.")
    return _bulk_apply(claims, user=user, change=change, without_note=without_note)


def claims_set_verdict(*, claims: Iterable[Claim], verdict: str, user, correction_note: str = "") -> BulkResult:
    """Set one verdict on each claim; a published claim whose verdict changes gets ``correction_note`` as its public
    note, and is refused without one."""
    if verdict not in Verdict.values:
        raise ValidationError(_("“%(value)s” is not a verdict.") % {"value": verdict})

    def change(claim: Claim) -> None:
        claim.verdict = verdict

    without_note = _("Set the verdict again with a public correction note.")
    return _bulk_apply(claims, user=user, change=change, correction_note=correction_note, without_note=without_note)


@transaction.atomic
def evidence_add(
    *,
    claim: Claim,
    url: str,
    user=None,
    stance: str = Stance.SUPPORTS,
    excerpt: str = "",
    note: str = "",
    source_title: str = "",
    publisher: str = "",
) -> Evidence:
    """Cite a source (created on first use, by canonical url) for a claim."""
    if stance not in Stance.values:
        raise ValidationError(
            _("“%(value)s” is not a stance; use one of %(stances)s.")
            % {"value": stance, "stances": ", ".join(Stance.values)}
        )
    source = source_get_or_create(url=url, title=source_title, publisher=publisher)
    if Evidence.objects.filter(claim=claim, source=source).exists():
        raise ValidationError(_("This claim already cites %(url)s.") % {"url": source.url}, code="duplicate")
    return Evidence.objects.create(claim=claim, source=source, stance=stance, excerpt=excerpt, note=note, added_by=user)


@transaction.atomic
def evidence_remove(*, evidence: Evidence) -> None:
    """Remove a citation; a published claim keeps at least one."""
    claim = Claim.objects.select_for_update().get(pk=evidence.claim_id)
    if claim.status == ClaimStatus.PUBLISHED and claim.evidence.count() <= 1:
        raise ValidationError(
            _(
                "This is the only evidence of a published claim; add another source first, or move the claim back to "
                "review."
            ),
            code="last_evidence",
        )
    evidence.delete()


@transaction.atomic
def article_upsert(*, url: str, **fields: Any) -> tuple[Article, bool]:
    """Create the article or update the one with the same canonical url."""
    canonical = normalize_url(url)
    article, created = Article.objects.select_for_update().get_or_create(url=canonical, defaults=fields)
    if not created:
        changed = [name for name, value in fields.items() if getattr(article, name) != value]
        for name in changed:
            setattr(article, name, fields[name])
        if changed:
            article.save()  # a new title re-indexes its claims (claims.search.schema's article trigger)
    return article, created


def check_publishable(*, verdict: str, explanation: str, evidence_count: int) -> None:
    """Raise the reviewer-facing refusal if a claim with these values may not be published."""
    problems = publish_problems(verdict=verdict, explanation=explanation, evidence_count=evidence_count)
    if problems:
        raise _refuse_publishing(problems)


@transaction.atomic
def evidence_update(
    *,
    evidence: Evidence,
    url: str | None = None,
    stance: str | None = None,
    excerpt: str | None = None,
    note: str | None = None,
) -> Evidence:
    """Change a citation. A new source or excerpt has not been checked yet, so its excerpt status is reset."""
    from .choices import ExcerptStatus

    current = Evidence.objects.select_for_update().select_related("source").get(pk=evidence.pk)
    changed: list[str] = []
    if url is not None:
        source = source_get_or_create(url=url)
        if source.pk != current.source_id:
            if Evidence.objects.filter(claim_id=current.claim_id, source=source).exists():
                raise ValidationError(_("This claim already cites %(url)s.") % {"url": source.url}, code="duplicate")
            current.source = source
            changed.append("source")
    if stance is not None and stance != current.stance:
        if stance not in Stance.values:
            raise ValidationError(
                _("“%(value)s” is not a stance; use one of %(stances)s.")
                % {"value": stance, "stances": ", ".join(Stance.values)}
            )
        current.stance = stance
        changed.append("stance")
    if excerpt is not None and excerpt != current.excerpt:
        current.excerpt = excerpt
        changed.append("excerpt")
    if note is not None and note != current.note:
        current.note = note
        changed.append("note")
    if {"source", "excerpt"} & set(changed):
        current.excerpt_status = ExcerptStatus.UNCHECKED
        current.excerpt_checked_at = None
        changed += ["excerpt_status", "excerpt_checked_at"]
    if changed:
        current.save(update_fields=changed)
    return current


@transaction.atomic(savepoint=False)  # the link checker calls it inside its own transaction: no savepoint needed
def evidence_excerpt_status_record(
    *, source_ids: Iterable[int], found: Iterable[int], missing: Iterable[int], checked_at: datetime
) -> tuple[int, int]:
    """Mark excerpts found or missing on their pages (evidence still citing one of ``source_ids``); two UPDATEs at
    most, and the (found, missing) rows changed."""
    evidence = Evidence.objects.filter(source_id__in=list(source_ids))
    found, missing = list(found), list(missing)
    now = {"excerpt_checked_at": checked_at}
    found_rows = evidence.filter(pk__in=found).update(excerpt_status=ExcerptStatus.FOUND, **now) if found else 0
    missing_rows = evidence.filter(pk__in=missing).update(excerpt_status=ExcerptStatus.MISSING, **now) if missing else 0
    return found_rows, missing_rows


def claims_search_refresh(*, article_id: int | None = None, claim_ids: Iterable[int] | None = None) -> int:
    """Repair: recompute the stored search vector of an article's claims, of given claims, or of all (PostgreSQL's
    trigger does it, through the same function as on every write); the rows updated. Search never depends on it."""
    from django.db import connection

    from .search import schema

    claims = Claim.objects.all()
    if article_id is not None:
        claims = claims.filter(article_id=article_id)
    if claim_ids is not None:
        claims = claims.filter(pk__in=list(claim_ids))
    ids = list(claims.values_list("pk", flat=True))
    done = 0
    with connection.cursor() as cursor:
        for at in range(0, len(ids), 5000):
            cursor.execute(schema.refresh_sql(Claim._meta.db_table), [ids[at : at + 5000]])
            done += cursor.rowcount
    return done


def claims_flag_stale(*, today: date | None = None) -> tuple[int, int]:
    """Set needs_recheck on claims past their recheck_after date; clear it where the date moved on.

    Only the needs_recheck flag changes (no verdict, explanation or status), so no history row is due.
    Returns (flagged, cleared).
    """
    from .selectors.claims import claims_for_recheck_flags

    today = today or timezone.localdate()
    due, not_due = claims_for_recheck_flags(today=today)
    with transaction.atomic():
        flagged = due.filter(needs_recheck=False).update(needs_recheck=True)
        cleared = not_due.filter(needs_recheck=True).update(needs_recheck=False)
    return flagged, cleared
