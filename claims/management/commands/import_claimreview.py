from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from claims.importers.article import looks_like_url
from claims.importers.base import ParseError
from claims.importers.runner import ImportReport, ReportRow, claimreviews_import, fetch_claimreview_text
from claims.importers.services import SKIPPED


class Command(BaseCommand):
    help = (
        "Import schema.org ClaimReview: JSON-LD objects or lists, DataFeeds, or HTML pages with ld+json "
        "blocks, or saved Fact Check API responses, from files or urls. Ends with a table of created / updated / "
        "linked / suggested / skipped items, their warnings, and a total line."
    )

    def add_arguments(self, parser):
        parser.add_argument("inputs", nargs="+", metavar="FILE_OR_URL")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the claims made from our own reviews (with --own); another desk's verdict is never "
            "published under our name. Default: in review.",
        )
        parser.add_argument(
            "--own",
            action="store_true",
            help="The desk's own archive: reviews whose author is FACTCHECK_ORGANIZATION_NAME, or whose author url "
            "is on FACTCHECK_ORGANIZATION_URL's host, are imported as our fact-checks, not as other desks' reviews.",
        )
        parser.add_argument("--user", help="Username recorded as the importer in the claims' history.")

    def handle(self, *args, inputs, publish, own, user, **options):
        importer = None
        if user:
            importer = get_user_model().objects.filter(username=user).first()
            if importer is None:
                raise CommandError(_("No user called “%(name)s”.") % {"name": user})
        report = ImportReport()
        loaded = []
        for source in inputs:
            try:
                if looks_like_url(source):
                    loaded.append((source, fetch_claimreview_text(source.strip())))
                else:
                    with open(source, "rb") as handle:
                        loaded.append((source, handle.read()))
            except (OSError, ParseError) as exc:
                if isinstance(exc, ParseError):
                    reason = str(exc)
                else:
                    reason = _("cannot be read: %(problem)s") % {"problem": exc.strerror or exc}
                report.rows.append(ReportRow(label=source, action=SKIPPED, detail=reason))
        claimreviews_import(loaded, user=importer, publish=publish, own=own, report=report)
        self.stdout.write(report.table())
        if not report.read_anything:
            raise CommandError(_("Nothing could be imported."))
