import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

SHOWN_NAMES = 5  # superusers named in the message; the rest are counted


class Command(BaseCommand):
    help = "Create a superuser from DJANGO_SUPERUSER_USERNAME/DJANGO_SUPERUSER_PASSWORD if set and missing."

    def handle(self, *args, **options):
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        User = get_user_model()
        if not (username and password):
            self.stdout.write(self._existing_superusers(User))
            return
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        if user is not None:
            if user.is_superuser:
                self.stdout.write(
                    _("Superuser %(name)r already exists; its password was left as it was.") % {"name": username}
                )
            else:
                self.stdout.write(
                    self.style.WARNING(
                        _(
                            "A user %(name)r exists but is not a superuser; it was left as it was. Set "
                            "DJANGO_SUPERUSER_USERNAME to another name, or make them a superuser in the admin."
                        )
                        % {"name": username}
                    )
                )
            return
        User.objects.create_superuser(
            username=username, email=os.environ.get("DJANGO_SUPERUSER_EMAIL", ""), password=password
        )
        self.stdout.write(self.style.SUCCESS(_("Created superuser %(name)s.") % {"name": repr(username)}))

    @staticmethod
    def _existing_superusers(User) -> str:
        names = list(
            User.objects.filter(is_superuser=True, is_active=True)
            .order_by("pk")
            .values_list(User.USERNAME_FIELD, flat=True)[: SHOWN_NAMES + 1]
        )
        if not names:
            return _(
                "No superuser set up. Make one with: .venv/bin/python manage.py createsuperuser\n"
                "(or set DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD before `make run`)."
            )
        shown = ", ".join(repr(name) for name in names[:SHOWN_NAMES])
        if len(names) > SHOWN_NAMES:
            shown = _("%(names)s and more") % {"names": shown}
        return ngettext(
            "A superuser is set up: %(names)s. Log in with its password, or make another with: "
            ".venv/bin/python manage.py createsuperuser",
            "Superusers are set up: %(names)s. Log in with one's password, or make another with: "
            ".venv/bin/python manage.py createsuperuser",
            len(names),
        ) % {"names": shown}
