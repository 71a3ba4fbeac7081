"""FilterSets narrowed to the parameters a request names, for the selectors and the API views alike.

It lives at project level, outside the API package, because selectors use it and must not import the API.
"""

from __future__ import annotations

import functools

from django_filters import FilterSet


def filterset_for(filterset_class: type[FilterSet], params) -> type[FilterSet]:
    """The FilterSet class with only the filters the request names (the others would do nothing).

    django-filter deep-copies every filter and builds a form field for each on every request; a request
    usually names none or one.
    """
    return _narrowed(filterset_class, frozenset(name for name in params if name in filterset_class.base_filters))


@functools.lru_cache(maxsize=256)
def _narrowed(filterset_class: type[FilterSet], names: frozenset[str]) -> type[FilterSet]:
    narrowed = type(filterset_class.__name__, (filterset_class,), {"__module__": filterset_class.__module__})
    narrowed.base_filters = {name: f for name, f in filterset_class.base_filters.items() if name in names}
    form_class = None

    def get_form_class(self):  # the same fields for every request: built once per set of names
        nonlocal form_class
        if form_class is None:
            form_class = filterset_class.get_form_class(self)
        return form_class

    narrowed.get_form_class = get_form_class
    return narrowed
