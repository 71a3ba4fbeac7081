from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from claims.importers.article import article_data_from
from claims.importers.base import describe, printable
from claims.importers.services import article_import, sources_add


class Command(BaseCommand):
    help = (
        "Import articles from urls (fetched through the safe fetcher, extracted with trafilatura) or files "
        "(the Markdown export form with 文章作者/发布时间/发布地/原文链接, plain Markdown, HTML). "
        "Re-importing the same url updates the article."
    )

    def add_arguments(self, parser):
        parser.add_argument("inputs", nargs="+", metavar="URL_OR_PATH")
        parser.add_argument("--url", default="", help="The article's url, for a file that does not name its own.")
        parser.add_argument(
            "--add-sources",
            action="store_true",
            help="Create sources for the links found in the main text (default: list them only).",
        )

    def handle(self, *args, inputs, url, add_sources, **options):
        failures = 0
        for source in inputs:
            try:
                data = article_data_from(source, url=url)
                article, created = article_import(data=data)
            except ValidationError as exc:
                failures += 1
                message = _("%(input)s: not imported. %(reason)s")
                self.stderr.write(message % {"input": printable(source), "reason": describe(exc)})
                continue
            values = {
                "id": article.pk,
                "title": article.title or "-",
                "url": article.url,
                "when": article.published_at.isoformat() if article.published_at else _("no date"),
                "language": article.language or _("language unknown"),
            }
            if created:
                self.stdout.write(_("created article %(id)s: %(title)s (%(url)s, %(when)s, %(language)s)") % values)
            else:
                self.stdout.write(_("updated article %(id)s: %(title)s (%(url)s, %(when)s, %(language)s)") % values)
            for warning in data.warnings:
                self.stdout.write("  " + _("note: %(warning)s") % {"warning": warning})
            if data.links:
                count = len(data.links)
                message = ngettext(
                    "%(count)d link in the main text, a candidate source:",
                    "%(count)d links in the main text, candidate sources:",
                    count,
                )
                self.stdout.write("  " + message % {"count": count})
                for link in data.links:
                    self.stdout.write(f"    {link.url}  {link.text}")
                if add_sources:
                    added = sources_add(links=data.links)
                    self.stdout.write(
                        "  "
                        + _("Sources: %(added)d added, %(existing)d already known.")
                        % {"added": len(added.added), "existing": len(added.existing)}
                    )
        if failures == len(inputs):
            raise CommandError(_("Nothing was imported."))
        if failures:
            message = ngettext(
                "%(failures)d of %(count)d input could not be imported.",
                "%(failures)d of %(count)d inputs could not be imported.",
                len(inputs),
            )
            raise CommandError(message % {"failures": failures, "count": len(inputs)})
