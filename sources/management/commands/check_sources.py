"""Run link checks without a worker: the same service the Celery tasks call."""

import sys
import time
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sources.models import Source
from sources.services import new_run_key, sources_check, sources_claim_due


class Progress:
    """A one-line progress bar on stderr (redrawn at most ten times a second)."""

    def __init__(self, stream, width: int = 30) -> None:
        self.stream, self.width, self._last = stream, width, 0.0
        self.offset, self.total = 0, 0

    def __call__(self, done: int, total: int, _result) -> None:
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        done, total = self.offset + done, max(self.total, 1)
        filled = int(self.width * done / total)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total}")
        self.stream.flush()


class Command(BaseCommand):
    help = "Check the links of sources now and record the results (one LinkCheck per source for this run)."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every source")
        which.add_argument("--due", action="store_true", help="sources whose next check is due (claims them)")
        which.add_argument("--source", type=int, nargs="+", metavar="ID", help="these sources")
        parser.add_argument("--run-key", help="record under this run key (default: a new one)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if options["all"]:
            ids = list(Source.objects.order_by("id").values_list("id", flat=True))
        elif options["due"]:
            ids = sources_claim_due()
        else:
            ids = list(dict.fromkeys(options["source"]))
            missing = set(ids) - set(Source.objects.filter(id__in=ids).values_list("id", flat=True))
            if missing:
                raise CommandError(
                    ngettext("No source with id %(ids)s.", "No sources with ids %(ids)s.", len(missing))
                    % {"ids": ", ".join(map(str, sorted(missing)))}
                )
        run_key = options["run_key"] or new_run_key("cmd")
        progress = None if options["no_progress"] else Progress(sys.stderr)
        if progress:
            progress.total = len(ids)
        outcomes: Counter = Counter()
        started = time.monotonic()
        duplicates = archived = 0
        size = max(1, settings.LINKCHECK_BATCH_SIZE)
        for start in range(0, len(ids), size):
            if progress:
                progress.offset = start
            report = sources_check(source_ids=ids[start : start + size], run_key=run_key, progress=progress)
            outcomes.update(report.outcomes)
            duplicates += len(report.duplicates)
            archived += len(report.archived)
        if progress and ids:
            sys.stderr.write("\n")
        seconds = time.monotonic() - started
        line = _("Run %(run)s: %(count)d checked in %(seconds).1f s") % {
            "run": run_key,
            "count": sum(outcomes.values()),
            "seconds": seconds,
        }
        if duplicates:
            line += _(", %(count)d already checked in this run") % {"count": duplicates}
        if archived:
            line += ngettext(", %(count)d archived copy found", ", %(count)d archived copies found", archived) % {
                "count": archived
            }
        self.stdout.write(line)
        if outcomes:
            # The outcomes' values, as the API and the filters spell them.
            heading, counted = _("outcome"), _("count")
            width = max(len(heading), *(len(o) for o in outcomes))
            self.stdout.write(f"{heading.ljust(width)}  {counted}")
            self.stdout.write(f"{'-' * width}  -----")
            for outcome, count in sorted(outcomes.items(), key=lambda item: (-item[1], item[0])):
                self.stdout.write(f"{outcome.ljust(width)}  {count:5d}")
