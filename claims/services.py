"""Every write to claims, evidence and articles goes through these functions."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from factcheck.sentences import join_sentences
from sources.choices import CaptureReason
from sources.services import (
    CaptureRequest,
    capture_key_cited,
    capture_key_drift,
    captures_enqueue_on_commit,
    source_get_or_create,
)
from sources.urlnorm import normalize_url

from . import emails
from .choices import (
    INITIAL_STATUSES,
    STATUS_TRANSITIONS,
    ClaimStatus,
    CorrectionKind,
    ExcerptStatus,
    ReviewEventKind,
    Stance,
    Verdict,
)
from .corrections import PublicState, is_public, needs_note, public_change_kind
from .events import claim_change_event_record, excerpts_missing_events_record
from .models import (
    CLAIM_EDITABLE_FIELDS,
    Article,
    Claim,
    ClaimAssignment,
    ClaimNote,
    ClaimReviewEvent,
    Correction,
    Evidence,
)
from .revision import REVISION_FIELDS
from .selectors.review import claim_latest_decision
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
        problems.append(_("choose a verdict other than “unrated”"))
    if not (explanation or "").strip():
        problems.append(_("write an explanation of the verdict"))
    if evidence_count < 1:
        problems.append(_("add at least one piece of evidence"))
    return problems


def claim_publish_problems(claim: Claim) -> list[str]:
    return publish_problems(verdict=claim.verdict, explanation=claim.explanation, evidence_count=claim.evidence.count())


# --- Second review -----------------------------------------------------------------------------------------------
# Publishing needs the approval of a reviewer other than the one who last changed the verdict or explanation
# (FACTCHECK_REQUIRE_SECOND_REVIEW; off for a one-person desk). The rule is second_review_problems; every path that
# publishes asks it through claim_save (claim_update, the bulk publish, the API's PATCH, the importers), and the
# admin's form asks it first so a refusal is a form error. Who last changed the text, and the revision an approval
# is of, are kept by PostgreSQL (claims.revision), so no write escapes them.

SECOND_REVIEW = "second_review"


def second_review_required() -> bool:
    """Whether publishing needs another reviewer's approval (FACTCHECK_REQUIRE_SECOND_REVIEW)."""
    return settings.FACTCHECK_REQUIRE_SECOND_REVIEW


def may_approve(*, author_id: int | None, user_id: int | None) -> bool:
    """Second review's "someone else": any reviewer but the one who last changed the verdict or explanation (any
    reviewer when that change is credited to nobody, as an import's is)."""
    return user_id is not None and user_id != author_id


def second_review_problems(
    *, author_id: int | None, author_name: str | None, approved: bool, publisher_id: int | None
) -> list[str]:
    """Why the second-review rule refuses this publication (empty when it allows it): the current verdict and
    explanation need an approval by someone other than their last author. A publisher who is not that author gives
    it by publishing."""
    if not second_review_required() or approved or may_approve(author_id=author_id, user_id=publisher_id):
        return []
    if publisher_id is not None:  # the publisher is the author
        return [
            _(
                "You cannot publish this claim yet: you are the last to have changed its verdict or explanation, and "
                "publishing needs the approval of another reviewer. Ask a colleague to approve it, or to publish it."
            )
        ]
    if author_id is None:
        return [_("This claim cannot be published yet: it needs the approval of a reviewer.")]
    return [
        _(
            "This claim cannot be published yet: it needs the approval of a reviewer other than %(name)s, who last "
            "changed its verdict or explanation."
        )
        % {"name": author_name}
    ]


def user_name(user) -> str:
    """How reviewers are named to each other: the full name, else the username."""
    return user.get_full_name() or user.get_username()


def _user_or_none(user):
    return user if getattr(user, "is_authenticated", False) else None


@dataclass(frozen=True)
class SecondReview:
    """Where a claim stands in second review: the revision of its verdict and explanation, who made it, the approval
    of it that stands (None if there is none) and the request for changes that stands (the latest decision)."""

    required: bool
    revision: int
    author: Any | None
    changed_at: datetime | None
    approval: ClaimReviewEvent | None = None
    changes_requested: ClaimReviewEvent | None = None  # only while the claim is not published

    @property
    def author_id(self) -> int | None:
        return self.author.pk if self.author is not None else None

    @property
    def author_name(self) -> str | None:
        return user_name(self.author) if self.author is not None else None

    @property
    def needs_approval(self) -> bool:
        return self.required and self.approval is None

    @property
    def request_outdated(self) -> bool:
        """The verdict or explanation changed since changes were requested."""
        return self.changes_requested is not None and self.changes_requested.verdict_revision != self.revision

    def may_approve(self, user) -> bool:
        return may_approve(author_id=self.author_id, user_id=getattr(_user_or_none(user), "pk", None))

    def problems(self, *, publisher) -> list[str]:
        return second_review_problems(
            author_id=self.author_id,
            author_name=self.author_name,
            approved=self.approval is not None,
            publisher_id=getattr(_user_or_none(publisher), "pk", None),
        )

    def approved_by_publishing(self, publisher) -> bool:
        """Publishing by ``publisher`` is the approval (recorded as one): the rule needs one and none stands."""
        return self.needs_approval and self.may_approve(publisher)

    def changed_by(self, user, *, at: datetime | None = None) -> "SecondReview":
        """As it stands once ``user`` changes the verdict or explanation: a new revision, not approved."""
        return replace(self, revision=self.revision + 1, author=_user_or_none(user), changed_at=at, approval=None)


def claim_second_review(claim: Claim) -> SecondReview:
    """The claim's second review as its row and its review events say (``claim`` as saved)."""
    required = second_review_required()
    author = claim.verdict_changed_by if claim.verdict_changed_by_id else None
    if claim.pk is None:
        return SecondReview(required=required, revision=claim.verdict_revision, author=None, changed_at=None)
    decision = claim_latest_decision(claim_id=claim.pk)
    approval = request = None
    if decision is not None and decision.kind == ReviewEventKind.APPROVED:
        # An approval counts for the revision it approved, by someone other than that revision's author.
        if decision.verdict_revision == claim.verdict_revision and may_approve(
            author_id=claim.verdict_changed_by_id, user_id=decision.actor_id
        ):
            approval = decision
    elif decision is not None and claim.status in (ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW):
        request = decision  # it stands until someone approves, or the claim is published
    return SecondReview(
        required=required,
        revision=claim.verdict_revision,
        author=author,
        changed_at=claim.verdict_changed_at,
        approval=approval,
        changes_requested=request,
    )


def is_publishing(*, old_status: str | None, new_status: str) -> bool:
    """A save that makes a claim published: a new claim (``old_status`` None) or one that was not published."""
    return new_status == ClaimStatus.PUBLISHED and old_status != ClaimStatus.PUBLISHED


def check_second_review(*, claim: Claim, publishing: bool, text_changed: bool, user) -> SecondReview | None:
    """Raise the second-review refusal if ``user`` may not publish ``claim`` (the row as saved, or a new claim) with
    this save; ``text_changed``: the save changes its verdict or explanation, which makes ``user`` their author.
    The review as it will stand after the save, or None when the save does not publish."""
    if not publishing:
        return None
    review = claim_second_review(claim)
    if text_changed or claim.pk is None:
        review = review.changed_by(user)
    problems = review.problems(publisher=user)
    if problems:
        raise ValidationError(problems[0], code=SECOND_REVIEW)
    return review


def _check_review_target(claim: Claim) -> None:
    if claim.status not in (ClaimStatus.DRAFT, ClaimStatus.IN_REVIEW):
        raise ValidationError(
            _(
                "This claim is %(status)s: approvals and requests for changes come before publishing. To change a "
                "published claim, edit it (readers are told of the correction)."
            )
            % {"status": ClaimStatus(claim.status).label.lower()},
            code="not_in_review",
        )


def _refuse_publishing(problems: list[str]) -> ValidationError:
    listed = pgettext("between the problems of a refusal", "; ").join(problems)
    return ValidationError(
        _("This claim cannot be published yet: %(problems)s.") % {"problems": listed}, code="not_publishable"
    )


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


def check_status_transition(old: str | None, new: str) -> None:
    """Refuse a move the status rule forbids; ``old`` None: a new claim, which cannot start retracted."""
    if old is None:
        if new not in INITIAL_STATUSES:
            raise ValidationError(
                _("A new claim cannot start as “%(status)s”: only a published claim can be retracted.")
                % {"status": ClaimStatus(new).label},
                code="transition",
            )
        return
    if old != new and new not in STATUS_TRANSITIONS[old]:
        raise ValidationError(
            _("A claim cannot go from “%(old)s” to “%(new)s”.")
            % {"old": ClaimStatus(old).label, "new": ClaimStatus(new).label},
            code="transition",
        )


def _text_changed(claim: Claim, before: dict[str, Any]) -> bool:
    return claim.verdict != before["verdict"] or claim.explanation != before["explanation"]


def _stamp(claim: Claim, *, before: dict[str, Any], user) -> None:
    """Keep the derived fields of a claim consistent with what just changed."""
    now = timezone.now()
    if _text_changed(claim, before):
        if user is not None:
            claim.reviewer = user
            claim.reviewed_at = now
        # Tell the database's trigger who makes the next revision (claims.revision): it keeps the author only when
        # the declared revision is the next one.
        claim.verdict_revision = before.get("verdict_revision", claim.verdict_revision) + 1
        claim.verdict_changed_by = _user_or_none(user)
        claim.verdict_changed_at = now
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
    correction = Correction.objects.create(
        claim=claim,
        kind=change.kind,
        note=note.strip(),
        verdict_before=change.previous.verdict if change.previous else "",
        verdict_after=claim.verdict,
        created_at=at,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    claim_change_event_record(claim, correction)  # the outbox: subscribers and the changes feed hear of it
    return correction


def claim_save(
    *,
    claim: Claim,
    user,
    before: dict[str, Any],
    evidence_count: int | None = None,
    correction_note: str = "",
    minor_edit: bool = False,
    save_related: Callable[[Claim], None] | None = None,
) -> Claim:
    """Validate and save a claim whose fields the caller has already set (the admin form does this). A change of
    what readers see is logged publicly (claims.corrections), and refused without a note where the rule asks one.
    ``save_related(claim)`` writes the rest of the same change (its tags, the admin form's evidence rows) once the
    claim row exists and before the public log entry, whose event carries the claim as readers will see it."""
    check_status_transition(None if claim.pk is None else before["status"], claim.status)
    if claim.status == ClaimStatus.PUBLISHED:
        count = claim.evidence.count() if evidence_count is None else evidence_count
        problems = publish_problems(verdict=claim.verdict, explanation=claim.explanation, evidence_count=count)
        if problems:
            raise _refuse_publishing(problems)
    review = check_second_review(
        claim=claim,
        publishing=is_publishing(old_status=None if claim.pk is None else before["status"], new_status=claim.status),
        text_changed=_text_changed(claim, before),
        user=user,
    )
    change = public_change_of(claim_id=claim.pk, new=claim_public_state(claim), minor_edit=minor_edit)
    check_correction_note(change, note=correction_note, minor_edit=minor_edit)
    _stamp(claim, before=before, user=user)
    # The users are set by the services, which check them (an assignee is one of reviewers()): no query for them.
    claim.full_clean(exclude=["article", "reviewer", "assignee", "verdict_changed_by"])
    # The claim, its related rows, its approval by publishing and its public log entry (with the outbox's event), or
    # none of them.
    with transaction.atomic():
        claim.save()
        # The trigger has the last word on the revision columns (claims.revision): read back what it kept.
        claim.refresh_from_db(fields=REVISION_FIELDS)
        if save_related is not None:
            save_related(claim)
        if review is not None and review.approved_by_publishing(user):
            _review_event(claim, kind=ReviewEventKind.APPROVED, user=user)
        _log_public_change(claim, change, note=correction_note, user=user)
    return claim


def snapshot(claim: Claim) -> dict[str, Any]:
    return {
        "verdict": claim.verdict,
        "explanation": claim.explanation,
        "status": claim.status,
        "version": claim.version,
        "verdict_revision": claim.verdict_revision,
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
        raise ValidationError(_("Unknown claim fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    tags = _checked_tags(tags)
    claim = Claim(text=text, **fields)
    # A new claim has no evidence yet, so it can start as a draft or in review (never retracted: INITIAL_STATUSES).
    before = {"verdict": Verdict.UNRATED, "explanation": "", "status": claim.status, "version": 0}
    claim_save(claim=claim, user=user, before=before, evidence_count=0, save_related=_tags_setter(tags or None))
    return claim


def _tags_setter(tags: list[str] | None) -> Callable[[Claim], None] | None:
    """claim_save's ``save_related`` for a change that sets these tags (None: the tags are left as they are)."""
    if tags is None:
        return None
    return lambda claim: claim_set_tags(claim=claim, tags=tags)


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
    claim = claim_lock(claim_id=claim_id, expected_version=expected_version, user=user)
    before = snapshot(claim)
    for name, value in data.items():
        setattr(claim, name, value)
    claim_save(
        claim=claim,
        user=user,
        before=before,
        correction_note=correction_note,
        minor_edit=minor_edit,
        save_related=_tags_setter(tags),
    )
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
        # A function, not a partial: Django names a robust callback that failed by its __qualname__.
        def send() -> None:
            claim_assignment_notify_task.delay(assignment.pk, link_base)

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
        raise ValidationError(
            _("“%(value)s” is not a stance; use one of %(stances)s.")
            % {"value": stance, "stances": ", ".join(Stance.values)}
        )
    source = source_get_or_create(url=url, title=source_title, publisher=publisher)
    if Evidence.objects.filter(claim=claim, source=source).exists():
        raise ValidationError(_("This claim already cites %(url)s.") % {"url": source.url}, code="duplicate")
    evidence = Evidence(claim=claim, source=source, stance=stance, excerpt=excerpt, note=note, added_by=user)
    _name_history_user(evidence, user)
    evidence.save(force_insert=True)
    _capture_cited(evidence)
    return evidence


def _capture_cited(evidence: Evidence) -> None:
    """Keep the page as it is when it is cited: a capture, queued once the citation commits."""
    key = capture_key_cited(evidence_id=evidence.pk, source_id=evidence.source_id)
    request = CaptureRequest(source_id=evidence.source_id, reason=CaptureReason.CITED, key=key, evidence_id=evidence.pk)
    captures_enqueue_on_commit(requests=[request])


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
            _(
                "This is the only evidence of a published claim; add another source first, or move the claim back to "
                "review."
            ),
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
        _name_history_user(current, user)
        current.save(update_fields=changed)
    if "source" in changed:
        _capture_cited(current)  # a new source cited
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
RETURNING e.id, e.source_id, before.excerpt_status
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
    went = tuple(sorted(eid for eid, _source, before in rows if before != ExcerptStatus.MISSING))
    excerpts_missing_events_record(went)
    _capture_drift(rows, checked_at=checked_at)
    return ExcerptStatusChange(found=found_rows, missing=len(rows), went_missing=went)


def _capture_drift(rows: list[tuple[int, int, str]], *, checked_at: datetime) -> None:
    """Keep the page as it is now that an excerpt left it, beside the capture of when it was cited: one capture per
    source, for the first piece of evidence whose excerpt went missing."""
    went: dict[int, int] = {}
    for evidence_id, source_id, before in sorted(rows):
        if before != ExcerptStatus.MISSING:
            went.setdefault(source_id, evidence_id)
    captures_enqueue_on_commit(
        requests=[
            CaptureRequest(
                source_id=source_id,
                reason=CaptureReason.DRIFT,
                key=capture_key_drift(source_id=source_id, checked_at=checked_at),
                evidence_id=evidence_id,
            )
            for source_id, evidence_id in went.items()
        ]
    )


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


# --- Second review's steps and the desk's notes --------------------------------------------------------------------


def _review_event(claim: Claim, *, kind: str, user, note: ClaimNote | None = None) -> ClaimReviewEvent:
    """Record a step of the claim's review for its history, at the claim's current revision."""
    return ClaimReviewEvent.objects.create(
        claim=claim,
        kind=kind,
        actor=_user_or_none(user),
        verdict_revision=claim.verdict_revision,
        note=note,
        created_at=timezone.now(),
    )


@transaction.atomic
def claim_approve(*, claim_id: int, user, expected_version: int | None = None) -> tuple[SecondReview, bool]:
    """Approve the claim's current verdict and explanation for publishing, as a reviewer other than their last author.
    Refused (VersionConflict) if the claim changed since ``expected_version``, the version the approver read.
    Approving again what one already approved changes nothing. The review as it stands, and whether this approved
    it."""
    claim = claim_lock(claim_id=claim_id, expected_version=expected_version)
    _check_review_target(claim)
    problems = claim_publish_problems(claim)
    if problems:
        raise ValidationError(
            _("There is nothing to approve yet: %(problems)s.") % {"problems": "; ".join(problems)},
            code="not_publishable",
        )
    review = claim_second_review(claim)
    if not review.may_approve(user):
        raise ValidationError(
            _(
                "You are the last to have changed this claim's verdict or explanation: its approval must come from "
                "another reviewer."
            ),
            code=SECOND_REVIEW,
        )
    if review.approval is not None and review.approval.actor_id == user.pk:
        return review, False
    event = _review_event(claim, kind=ReviewEventKind.APPROVED, user=user)
    return replace(review, approval=event, changes_requested=None), True


def claims_approve(*, claims: Iterable[Claim], user) -> BulkResult:
    """Approve each claim (claim_approve); the others are returned with the reason."""
    result = BulkResult()
    for claim in claims:
        try:
            with transaction.atomic():
                _review, approved = claim_approve(claim_id=claim.pk, user=user)
        except ValidationError as exc:
            result.refused.append((claim, " ".join(exc.messages)))
        else:
            if approved:
                result.changed.append(claim)
            else:
                result.refused.append((claim, _("You had already approved it.")))
    return result


REVIEW_NOTE_FIELD = "text"


def _checked_note_text(text: str, *, field_name: str = REVIEW_NOTE_FIELD, empty: str = "") -> str:
    """The note's text as stored (trimmed), or a ValidationError naming ``field_name``."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({field_name: empty or _("Write the note's text.")}, code="required")
    try:
        validate_plain_text(text)
    except ValidationError as exc:
        raise ValidationError({field_name: exc.messages}) from exc
    limit = limit_for("note")
    if limit and len(text) > limit:
        raise ValidationError(
            {
                field_name: _("The note has %(count)s characters; at most %(limit)s.")
                % {
                    "count": f"{len(text):,}",
                    "limit": f"{limit:,}",
                }
            }
        )
    return text


@transaction.atomic
def claim_request_changes(*, claim_id: int, user, note: str, expected_version: int | None = None) -> SecondReview:
    """Send a claim that is not yet published (back) to review with a note saying what should change: the note goes
    into the claim's discussion, its author sees it at the top of the claim's page, and no approval stands until
    someone approves again."""
    claim = claim_lock(claim_id=claim_id, expected_version=expected_version)
    _check_review_target(claim)
    text = _checked_note_text(
        note, field_name="note", empty=_("Say what should change: the note is shown to the claim's author.")
    )
    if claim.status != ClaimStatus.IN_REVIEW:
        before = snapshot(claim)
        claim.status = ClaimStatus.IN_REVIEW
        claim_save(claim=claim, user=user, before=before)
    written = ClaimNote.objects.create(claim=claim, author=_user_or_none(user), text=text, created=timezone.now())
    _review_event(claim, kind=ReviewEventKind.CHANGES_REQUESTED, user=user, note=written)
    return claim_second_review(claim)


# How long a note's author may still edit it: long enough to fix a typo, short enough that nobody answers a note
# that later says something else.
NOTE_EDIT_WINDOW = timedelta(minutes=15)


def note_edit_problem(*, note: ClaimNote, user, now: datetime) -> str | None:
    """Why ``user`` may not edit ``note`` at ``now`` (None when they may): only its author, within NOTE_EDIT_WINDOW."""
    user = _user_or_none(user)
    if user is None or note.author_id != user.pk:
        return _("Only its author can edit a note.")
    if now - note.created > NOTE_EDIT_WINDOW:
        return _(
            "A note can be edited for %(minutes)d minutes after it is written, and this one is older: add a new note "
            "instead."
        ) % {"minutes": int(NOTE_EDIT_WINDOW.total_seconds() // 60)}
    return None


@transaction.atomic
def claim_note_add(*, claim_id: int, user, text: str) -> ClaimNote:
    """Add a note to the claim's internal discussion; its history records that a note was added (not what it says)."""
    claim = Claim.objects.only("id", "verdict_revision").get(pk=claim_id)
    note = ClaimNote.objects.create(
        claim=claim, author=_user_or_none(user), text=_checked_note_text(text), created=timezone.now()
    )
    _review_event(claim, kind=ReviewEventKind.NOTE_ADDED, user=user, note=note)
    return note


@transaction.atomic
def claim_note_update(*, note_id: int, user, text: str) -> ClaimNote:
    """Change a note's text: its author only, within NOTE_EDIT_WINDOW of writing it."""
    note = ClaimNote.objects.select_for_update().get(pk=note_id)
    now = timezone.now()
    problem = note_edit_problem(note=note, user=user, now=now)
    if problem:
        raise ValidationError(problem, code="note_not_editable")
    text = _checked_note_text(text)
    if text != note.text:
        note.text, note.edited = text, now
        note.save(update_fields=["text", "edited"])
    return note
