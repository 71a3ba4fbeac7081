"""Admin pages that show rows nobody edits there (logs, events, captures): one definition of "read-only"."""


class ReadOnlyAdminMixin:
    """No add, change or delete, for a ModelAdmin or an inline alike (an inline's checks also pass ``obj``)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
