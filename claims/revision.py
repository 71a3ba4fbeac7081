"""The revision of a claim's verdict and explanation, kept by PostgreSQL: what the second review approves.

Second review (claims.services.second_review_problems) asks who last changed a claim's verdict or explanation and
whether the current text was approved by someone else. Both hang on three columns of the claim that no writer can
leave stale: ``verdict_revision`` (raised by one on every change of the verdict or the explanation, whatever wrote
it), ``verdict_changed_by`` and ``verdict_changed_at`` (who made the current revision, and when). An approval names
the revision it approved (claims.models.ClaimReviewEvent), so any later change makes it void by itself.

Triggers, not services, because claims are written by the services, the admin, the API, the importers, fixtures,
bulk loads (COPY) and ORM updates alike. The services say who is writing by declaring the next revision together
with its author (claims.services._stamp); a write that changes the text without declaring it (an ORM update(), a
stale instance saved back, a COPY) is credited to nobody, so nobody can approve their own change by going around
the services. A write that changes neither column keeps the three as they were, whatever it sends.

Imported by claims.models (the triggers are declared in Claim's Meta), so it imports no models of its own.
"""

from __future__ import annotations

import pgtrigger

from .choices import Verdict

# The columns the triggers keep, as the ORM names them (claims.services refreshes them after a save).
REVISION_FIELDS = ("verdict_revision", "verdict_changed_by", "verdict_changed_at")

_TEXT_CHANGED = "NEW.verdict IS DISTINCT FROM OLD.verdict OR NEW.explanation IS DISTINCT FROM OLD.explanation"
_HAS_TEXT = f"NEW.verdict IS DISTINCT FROM '{Verdict.UNRATED.value}' OR NEW.explanation IS DISTINCT FROM ''"

# On insert: revision 1 for a claim that starts with a verdict or an explanation (0 for one that has neither); the
# author is kept only when the writer declared revision 1.
_INSERT = f"""
    IF {_HAS_TEXT} THEN
        IF NEW.verdict_revision IS DISTINCT FROM 1 THEN
            NEW.verdict_changed_by_id := NULL;
            NEW.verdict_changed_at := NULL;
        END IF;
        NEW.verdict_revision := 1;
        NEW.verdict_changed_at := COALESCE(NEW.verdict_changed_at, now());
    ELSE
        NEW.verdict_revision := 0;
        NEW.verdict_changed_by_id := NULL;
        NEW.verdict_changed_at := NULL;
    END IF;
    RETURN NEW;"""

# On update: a change of the text is the next revision; its author is kept only when the writer declared exactly
# that revision. No change: the three stay as they were, except that the author may be forgotten (NULL), as
# deleting the user does (on_delete=SET_NULL).
_UPDATE = f"""
    IF {_TEXT_CHANGED} THEN
        IF NEW.verdict_revision IS DISTINCT FROM OLD.verdict_revision + 1 THEN
            NEW.verdict_changed_by_id := NULL;
            NEW.verdict_changed_at := NULL;
        END IF;
        NEW.verdict_revision := OLD.verdict_revision + 1;
        NEW.verdict_changed_at := COALESCE(NEW.verdict_changed_at, now());
    ELSE
        NEW.verdict_revision := OLD.verdict_revision;
        NEW.verdict_changed_at := OLD.verdict_changed_at;
        IF NEW.verdict_changed_by_id IS NOT NULL THEN
            NEW.verdict_changed_by_id := OLD.verdict_changed_by_id;
        END IF;
    END IF;
    RETURN NEW;"""


_COLUMNS = ("verdict", "explanation", "verdict_revision", "verdict_changed_by_id", "verdict_changed_at")

# When the functions have anything to do. PostgreSQL tests a WHEN condition without calling the function, and
# pgtrigger's functions open a subtransaction on each call: a claim saved whole without a change of these columns
# (most saves), or inserted with none of them set (a draft), costs nothing here.
_INSERT_WHEN = (
    f"{_HAS_TEXT} OR NEW.verdict_revision IS DISTINCT FROM 0 OR NEW.verdict_changed_by_id IS NOT NULL "
    "OR NEW.verdict_changed_at IS NOT NULL"
)
_UPDATE_WHEN = " OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in _COLUMNS)


def claim_revision_triggers() -> list[pgtrigger.Trigger]:
    """The triggers on claims that keep verdict_revision, verdict_changed_by and verdict_changed_at."""
    return [
        pgtrigger.Trigger(
            name="verdict_revision_insert",
            level=pgtrigger.Row,
            when=pgtrigger.Before,
            operation=pgtrigger.Insert,
            condition=pgtrigger.Condition(_INSERT_WHEN),
            func=_INSERT,
        ),
        pgtrigger.Trigger(
            name="verdict_revision_update",
            level=pgtrigger.Row,
            when=pgtrigger.Before,
            operation=pgtrigger.UpdateOf(*_COLUMNS),
            condition=pgtrigger.Condition(_UPDATE_WHEN),
            func=_UPDATE,
        ),
    ]
