from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

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
                self.stderr.write(f"{printable(source)}: not imported. {describe(exc)}")
                continue
            when = article.published_at.isoformat() if article.published_at else "no date"
            self.stdout.write(
                f"{'created' if created else 'updated'} article {article.pk}: {article.title or '-'} "
                f"({article.url}, {when}, {article.language or 'language unknown'})"
            )
            for warning in data.warnings:
                self.stdout.write(f"  note: {warning}")
            if data.links:
                self.stdout.write(f"  {len(data.links)} link(s) in the main text, candidate sources:")
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
            raise CommandError("Nothing was imported.")
        if failures:
            raise CommandError(f"{failures} of {len(inputs)} input(s) could not be imported.")
