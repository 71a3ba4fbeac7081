"""Every write to claims, evidence and articles goes through these functions."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from factcheck.sentences import join_sentences
from sources.services import source_get_or_create
from sources.urlnorm import normalize_url

from . import emails
from .choices import STATUS_TRANSITIONS, ClaimStatus, CorrectionKind, ExcerptStatus, Stance, Verdict
from .corrections import PublicState, is_public, needs_note, public_change_kind
from .models import CLAIM_EDITABLE_FIELDS, Article, Claim, ClaimAssignment, Correction, Evidence
from .selectors.visibility import restrict, reviewers
from .tasks import claim_assignment_notify as claim_assignment_notify_task
from .timeline import claim_changes_since, lines_text
from .validators import limit_for, validate_model_text, validate_plain_text, validate_tag_count

# Fields a reviewer may change through claim_create and claim_update (the rest are kept by the services).
EDITABLE_CLAIM_FIELDS = frozenset(CLAIM_EDITABLE_FIELDS)


class VersionConflict(ValidationError):
    """Raised when a claim was saved by someone else since the caller read it. ``summary`` and ``advice`` begin and
    end its message; ``changes`` are what the others changed since (claims.timeline lines), empty when unknown."""

    summary: str = ""
    changes: tuple = ()
    advice: str = ""


def publish_problems(*, verdict: str, explanation: str, evidence_count: int) -> list[str]:
    """Why a claim with these values may not be published (empty when it may)."""
    problems = []
    if verdict == Verdict.UNRATED:
        problems.append("choose a verdict other than “unrated”")
    if not (explanation or "").strip():
        problems.append("write an explanation of the verdict")
    if evidence_count < 1:
        problems.append("add at least one piece of evidence")
    return problems


def claim_publish_problems(claim: Claim) -> list[str]:
    return publish_problems(verdict=claim.verdict, explanation=claim.explanation, evidence_count=claim.evidence.count())


def _refuse_publishing(problems: list[str]) -> ValidationError:
    return ValidationError("This claim cannot be published yet: " + "; ".join(problems) + ".", code="not_publishable")


def version_conflict(current: Claim, *, seen_version: int, user=None) -> VersionConflict:
    """The refusal of a save made on ``seen_version`` of a claim now at ``current.version``: who saved it since and
    what they changed, field by field (read as ``user`` may read the claim's history)."""
    since = claim_changes_since(claim_id=current.pk, version=seen_version, user=user) if seen_version else None
    if since is not None and [name for name in since.who if name != "—"]:
        who = ", ".join(since.who)
    elif current.reviewer_id:
        who = current.reviewer.get_username()
    else:
        who = _("someone else")
    summary = _("This claim was changed by %(who)s since you opened it (it is now at version %(version)s).") % {
        "who": who,
        "version": current.version,
    }
    changes = tuple(since.lines) if since is not None else ()
    advice = _("Reload it to see it as it is now, then apply your changes again; nothing was saved.")
    listed = _("What changed: %(changes)s.") % {"changes": lines_text(changes)} if changes else ""
    conflict = VersionConflict(join_sentences(summary, listed, advice), code="version_conflict")
    conflict.summary, conflict.changes, conflict.advice = summary, changes, advice
    return conflict


def check_status_transition(old: str, new: str) -> None:
    if old != new and new not in STATUS_TRANSITIONS[old]:
        raise ValidationError(
            f"A claim cannot go from “{ClaimStatus(old).label}” to “{ClaimStatus(new).label}”.", code="transition"
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
            raise ValidationError(
                {"correction_note": f"The public correction note has {len(note):,} characters; at most {limit:,}."}
            )
    if not needs_note(change.kind) or note.strip():
        return
    previous, new = change.previous, change.new
    shown = "It is shown to readers on the claim's page and in the public corrections log."
    if change.kind == CorrectionKind.RETRACTED:
        message = f"Retracting a published claim needs a public correction note saying why. {shown}"
    elif previous.status == ClaimStatus.RETRACTED and new.status != ClaimStatus.RETRACTED:
        message = f"Publishing a retracted claim again needs a public correction note saying why. {shown}"
    elif previous.verdict != new.verdict:
        message = (
            f"This changes the published verdict from “{Verdict(previous.verdict).label}” to "
            f"“{Verdict(new.verdict).label}”: write a public correction note saying what changed and why. {shown}"
        )
        if minor_edit:
            message += " A change of verdict is never a minor edit."
    else:
        message = (
            "This changes the explanation of a published claim: write a public correction note saying what changed, "
            f"or mark the edit as minor if it changes nothing a reader relies on (a typo, a link). {shown}"
        )
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
    # The users are set by the services, which check them (an assignee is one of reviewers()): no query for them.
    claim.full_clean(exclude=["article", "reviewer", "assignee"])
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
def claim_lock(*, claim_id: int, expected_version: int | None, user=None) -> Claim:
    """Lock the claim row; refuse if it moved past the version the caller (``user``) saw, saying what changed."""
    # No select_related("reviewer"): when this waits for another transaction's lock, PostgreSQL re-reads the
    # locked claim row but not the joined user row, so reviewer_id could be new and the joined reviewer NULL
    # (a 500 in version_conflict, found by make loadtest). The reviewer is read on conflict only.
    current = Claim.objects.select_for_update(of=("self",)).get(pk=claim_id)
    if expected_version is not None and current.version != expected_version:
        raise version_conflict(current, seen_version=expected_version, user=user)
    return current


@transaction.atomic
def claim_create(*, user, text: str, tags: Iterable[str] = (), **fields: Any) -> Claim:
    """Create a claim (draft unless a status is given)."""
    unknown = set(fields) - EDITABLE_CLAIM_FIELDS
    if unknown:
        raise ValidationError(f"Unknown claim fields: {', '.join(sorted(unknown))}.")
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
        raise ValidationError(f"Unknown claim fields: {', '.join(sorted(unknown))}.")
    tags = _checked_tags(data.pop("tags", None))
    claim = claim_lock(claim_id=claim_id, expected_version=expected_version, user=user)
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

    without_note = "Publish it from its own page, where the note is written."
    return _bulk_apply(claims, user=user, change=change, without_note=without_note)


def claims_set_verdict(*, claims: Iterable[Claim], verdict: str, user, correction_note: str = "") -> BulkResult:
    """Set one verdict on each claim; a published claim whose verdict changes gets ``correction_note`` as its public
    note, and is refused without one."""
    if verdict not in Verdict.values:
        raise ValidationError(f"“{verdict}” is not a verdict.")

    def change(claim: Claim) -> None:
        claim.verdict = verdict

    without_note = "Set the verdict again with a public correction note."
    return _bulk_apply(claims, user=user, change=change, correction_note=correction_note, without_note=without_note)


# --- assignment ------------------------------------------------------------------------------------------------


def check_assignee(assignee) -> None:
    """Refuse an assignee who is not an active staff reviewer (claims.selectors.visibility.reviewers)."""
    if assignee is not None and not reviewers().filter(pk=assignee.pk).exists():
        raise ValidationError(
            _("%(name)s cannot be assigned claims: only active staff who may review claims can.")
            % {"name": assignee.get_username()},
            code="not_a_reviewer",
        )


def assignment_is_emailed(*, assignee, user) -> bool:
    """Whether assigning ``assignee`` emails them: someone else assigned them, and they have an address."""
    return assignee is not None and assignee.pk != getattr(user, "pk", None) and bool(assignee.email)


def _check_note(note: str) -> str:
    note = note.strip()
    validate_model_text(ClaimAssignment, {"note": note})  # plain text, and the limit for a note
    return note


def _assign(claim: Claim, *, assignee, due_at: datetime | None, note: str, user, link_base: str):
    """Assign the locked ``claim``; None when it is already assigned so (nothing is saved or sent)."""
    if claim.assignee_id == (assignee.pk if assignee else None) and claim.due_at == due_at:
        return None
    before = snapshot(claim)
    claim.assignee, claim.due_at = assignee, due_at
    claim_save(claim=claim, user=user, before=before)  # version, history row under the user's name
    assignment = ClaimAssignment.objects.create(
        claim=claim,
        assignee=assignee,
        due_at=due_at,
        note=note,
        assigned_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if assignment_is_emailed(assignee=assignee, user=user):
        # After commit only: a rolled-back assignment emails nobody. Robust: a broker that cannot take the task (or,
        # in-process, a mail server that refuses it) is logged, and the assignment stands.
        send = partial(claim_assignment_notify_task.delay, assignment.pk, link_base)
        transaction.on_commit(send, robust=True)
    return assignment


@transaction.atomic
def claim_assign(
    *, claim: Claim, assignee, due_at: datetime | None = None, note: str = "", user, link_base: str = ""
) -> ClaimAssignment | None:
    """Assign ``claim`` to ``assignee`` (None: to nobody) with a due date (None: none) and a note; refused
    (VersionConflict) if the claim changed since the caller read it (``claim.version``). The assignee is emailed
    on commit, unless they assigned themselves. None when the claim was already assigned so (nothing changes).
    ``link_base``: the scheme and host for the email's link when FACTCHECK_SITE_URL is empty."""
    check_assignee(assignee)
    note = _check_note(note)
    locked = claim_lock(claim_id=claim.pk, expected_version=claim.version)
    return _assign(locked, assignee=assignee, due_at=due_at, note=note, user=user, link_base=link_base)


@dataclass
class AssignResult:
    """What a bulk assignment did: each claim assigned, already assigned so (left as it was), or refused."""

    assigned: list[Claim] = field(default_factory=list)
    unchanged: list[Claim] = field(default_factory=list)
    refused: list[tuple[Claim, str]] = field(default_factory=list)


def claims_assign(
    *,
    claims: Iterable[Claim],
    assignee,
    due_at: datetime | None = None,
    note: str = "",
    user,
    link_base: str = "",
) -> AssignResult:
    """claim_assign for each claim, each in its own transaction and as it is now (a bulk action has no version to
    check, as the other bulk actions). The assignee gets one email per claim assigned."""
    check_assignee(assignee)
    note = _check_note(note)
    result = AssignResult()
    for claim in claims:
        try:
            with transaction.atomic():
                locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
                done = _assign(locked, assignee=assignee, due_at=due_at, note=note, user=user, link_base=link_base)
        except ValidationError as exc:
            result.refused.append((claim, " ".join(exc.messages)))
        else:
            (result.assigned if done else result.unchanged).append(locked)
    return result


@transaction.atomic
def claim_assignment_notify(*, assignment_id: int, link_base: str = "") -> bool:
    """Email the assignee of an assignment, once; True if this call sent it. Nothing is sent for an assignment
    already announced, superseded by a later one of the same claim, to nobody, or to a user without an address."""
    # Locked, so two runs at once send one email: the second waits, then reads notified_at.
    assignment = ClaimAssignment.objects.select_for_update().filter(pk=assignment_id).first()
    if assignment is None or assignment.notified_at is not None or assignment.assignee_id is None:
        return False
    later = ClaimAssignment.objects.filter(claim_id=assignment.claim_id, pk__gt=assignment.pk)
    if later.exists() or not assignment.assignee.email or not assignment.assignee.is_active:
        return False
    emails.assignment_email(assignment, link_base=link_base).send()
    assignment.notified_at = timezone.now()
    assignment.save(update_fields=["notified_at"])
    return True


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
        raise ValidationError(f"“{stance}” is not a stance; use one of {', '.join(Stance.values)}.")
    source = source_get_or_create(url=url, title=source_title, publisher=publisher)
    if Evidence.objects.filter(claim=claim, source=source).exists():
        raise ValidationError(f"This claim already cites {source.url}.", code="duplicate")
    evidence = Evidence(claim=claim, source=source, stance=stance, excerpt=excerpt, note=note, added_by=user)
    _name_history_user(evidence, user)
    evidence.save(force_insert=True)
    return evidence


def _name_history_user(row, user) -> None:
    """The user the history row of this write names; with no user given, simple-history's request middleware names
    the request's (None outside a request: an import)."""
    if user is not None:
        row._history_user = user if user.is_authenticated else None


@transaction.atomic
def evidence_remove(*, evidence: Evidence, user=None) -> None:
    """Remove a citation; a published claim keeps at least one."""
    claim = Claim.objects.select_for_update().get(pk=evidence.claim_id)
    if claim.status == ClaimStatus.PUBLISHED and claim.evidence.count() <= 1:
        raise ValidationError(
            "This is the only evidence of a published claim; add another source first, "
            "or move the claim back to review.",
            code="last_evidence",
        )
    # The row as it is now, not as the caller last read it: its history row records what was removed.
    current = Evidence.objects.select_for_update().filter(pk=evidence.pk).first()
    if current is None:
        return  # removed meanwhile by someone else
    _name_history_user(current, user)
    current.delete()


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
    user=None,
) -> Evidence:
    """Change a citation. A new source or excerpt has not been checked yet, so its excerpt status is reset."""
    from .choices import ExcerptStatus

    current = Evidence.objects.select_for_update().select_related("source").get(pk=evidence.pk)
    changed: list[str] = []
    if url is not None:
        source = source_get_or_create(url=url)
        if source.pk != current.source_id:
            if Evidence.objects.filter(claim_id=current.claim_id, source=source).exists():
                raise ValidationError(f"This claim already cites {source.url}.", code="duplicate")
            current.source = source
            changed.append("source")
    if stance is not None and stance != current.stance:
        if stance not in Stance.values:
            raise ValidationError(f"“{stance}” is not a stance; use one of {', '.join(Stance.values)}.")
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
        _name_history_user(current, user)
        current.save(update_fields=changed)
    return current


@dataclass(frozen=True)
class ExcerptStatusChange:
    """What one check recorded of the excerpts on its pages: rows marked found and missing, and the pieces of
    evidence whose excerpt went missing with it (excerpt drift: found or unchecked before, missing now)."""

    found: int = 0
    missing: int = 0
    went_missing: tuple[int, ...] = ()


# The old status is read from the same table under another name: PostgreSQL's self-join in UPDATE ... FROM sees the
# row as it was before this statement, so one statement marks the rows and says which of them were not missing.
_MARK_MISSING_SQL = """
UPDATE {table} AS e SET excerpt_status = %(missing)s, excerpt_checked_at = %(at)s
FROM {table} AS before
WHERE e.id = before.id AND e.id = ANY(%(ids)s) AND e.source_id = ANY(%(sources)s)
RETURNING e.id, before.excerpt_status
"""


@transaction.atomic(savepoint=False)  # the link checker calls it inside its own transaction: no savepoint needed
def evidence_excerpt_status_record(
    *, source_ids: Iterable[int], found: Iterable[int], missing: Iterable[int], checked_at: datetime
) -> ExcerptStatusChange:
    """Mark excerpts found or missing on their pages (evidence still citing one of ``source_ids``); two UPDATEs at
    most."""
    source_ids, found, missing = list(source_ids), list(found), list(missing)
    evidence = Evidence.objects.filter(source_id__in=source_ids)
    now = {"excerpt_checked_at": checked_at}
    found_rows = evidence.filter(pk__in=found).update(excerpt_status=ExcerptStatus.FOUND, **now) if found else 0
    if not missing:
        return ExcerptStatusChange(found=found_rows)
    with connection.cursor() as cursor:
        cursor.execute(
            _MARK_MISSING_SQL.format(table=connection.ops.quote_name(Evidence._meta.db_table)),
            {"missing": ExcerptStatus.MISSING, "at": checked_at, "ids": missing, "sources": source_ids},
        )
        rows = cursor.fetchall()
    went = tuple(sorted(eid for eid, before in rows if before != ExcerptStatus.MISSING))
    return ExcerptStatusChange(found=found_rows, missing=len(rows), went_missing=went)


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
