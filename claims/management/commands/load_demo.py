from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from claims.demo.loader import DEMO_REVIEWER, demo_load


class Command(BaseCommand):
    help = (
        "Load the demonstration data: one Chinese news article on the Sora leak (November 2024), its claims, "
        "verdicts and sources. Safe to run again: what is already there is left alone."
    )

    def handle(self, *args, **options):
        result = demo_load()
        if result.article_created:
            self.stdout.write(_("Demo article loaded: %(article)s") % {"article": result.article})
        else:
            self.stdout.write(_("Demo article already present: %(article)s") % {"article": result.article})
        message = _(
            "Demo claims: %(created)d created, %(present)d already present (verdicts credited to the user %(user)s, "
            "who cannot log in)."
        )
        values = {"created": len(result.created), "present": len(result.already_present), "user": repr(DEMO_REVIEWER)}
        self.stdout.write(self.style.SUCCESS(message % values))
