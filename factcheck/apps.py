from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin with the reviewers' dashboard on its home page (claims.admin_dashboard); every
    ``@admin.register`` and ``admin.site`` still reach it, as the default site."""

    default_site = "claims.admin_dashboard.ReviewerAdminSite"
