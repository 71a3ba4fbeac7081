"""Repair: recompute the stored search vector of every claim (or of one article's claims) in PostgreSQL.

Search never depends on it: the triggers keep the vector on every write (claims.search.schema). It is for a
database whose triggers were disabled during a load, or whose vectors were written by hand.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from claims.services import claims_search_refresh


class Command(BaseCommand):
    help = "Recompute claims' stored search vectors through the database's own function (a repair)."

    def add_arguments(self, parser):
        parser.add_argument("--article", type=int, help="Only the claims of this article id.")

    def handle(self, *args, article=None, **options):
        done = claims_search_refresh(article_id=article)
        if options["verbosity"]:
            self.stdout.write(
                ngettext("%(count)d claim re-indexed", "%(count)d claims re-indexed", done) % {"count": done}
            )
