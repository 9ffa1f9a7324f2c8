from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    """Policies and attestations: policy documents, acknowledgement campaigns, attestations, follow-ups."""

    name = "policies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The portal registration (menu, panels, tick, listeners, API) is added by the areas as they land.
        pass
