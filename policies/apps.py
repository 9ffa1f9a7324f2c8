from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    """Policies and attestations: policy documents, acknowledgement campaigns, attestations, follow-ups."""

    name = "policies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dpms import portal

        portal.register_app(
            portal.App(
                name=self.name,
                nav=portal.Link(_("Policies"), "policies:follow_ups", section="/policies/", order=40),
                subnav=[
                    portal.Link(_("Follow-ups"), "policies:follow_ups"),
                ],
            )
        )
