from django.core.management.base import BaseCommand

from claims.demo.loader import DEMO_REVIEWER, demo_load


class Command(BaseCommand):
    help = (
        "Load the demonstration data: one Chinese news article on the Sora leak (November 2024), its claims, "
        "verdicts and sources. Safe to run again: what is already there is left alone."
    )

    def handle(self, *args, **options):
        result = demo_load()
        article = "loaded" if result.article_created else "already present"
        self.stdout.write(f"Demo article {article}: {result.article}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo claims: {len(result.created)} created, {len(result.already_present)} already present "
                f"(verdicts credited to the user {DEMO_REVIEWER!r}, who cannot log in)."
            )
        )
