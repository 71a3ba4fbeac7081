import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

application = get_wsgi_application()

# What Django, DRF and the URL map made at start-up lives as long as the process: out of the collector's way, so
# a full collection during a request walks only that request's objects, not every module's (a suspect of the
# list's rare 80-140 ms requests in make bench).
gc.collect()
gc.freeze()
