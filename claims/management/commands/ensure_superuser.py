import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Create a superuser from DJANGO_SUPERUSER_USERNAME/DJANGO_SUPERUSER_PASSWORD if set and missing."

    def handle(self, *args, **options):
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not (username and password):
            self.stdout.write(
                _(
                    "No superuser set up. Make one with: .venv/bin/python manage.py createsuperuser\n"
                    "(or set DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD before `make run`)."
                )
            )
            return
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(_("Superuser %(name)s already exists.") % {"name": repr(username)})
            return
        User.objects.create_superuser(
            username=username, email=os.environ.get("DJANGO_SUPERUSER_EMAIL", ""), password=password
        )
        self.stdout.write(self.style.SUCCESS(_("Created superuser %(name)s.") % {"name": repr(username)}))
