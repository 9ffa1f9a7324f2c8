from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from incidents.views import breach, detail, escalation, lists, reporting

        for area in (reporting, lists, detail, escalation, breach):
            area.register_portal()
