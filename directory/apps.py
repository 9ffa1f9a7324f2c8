from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    """People from the directory: SCIM 2.0 provisioning from Okta or Entra ID."""

    name = "directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from directory.queries.connections import may_manage_connections
        from dpms import portal

        portal.register_app(
            portal.App(
                name=self.name,
                nav=portal.Link(
                    _("Directory"),
                    "directory:connections",
                    section="/directory/",
                    order=80,
                    visible=may_manage_connections,
                ),
                subnav=[
                    portal.Link(
                        _("SCIM connections"), "directory:connections", visible=may_manage_connections
                    ),
                    portal.Link(_("Admin approvals"), "directory:approvals", visible=may_manage_connections),
                ],
            )
        )
