from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from incidents.views import breach, detail, escalation, lists, reporting

        for area in (reporting, lists, detail, escalation, breach):
            area.register_portal()

        from dpms import portal
        from incidents.demo import seed_incident_demo

        portal.register_seeder(seed_incident_demo, order=30)  # after the risk register: incidents link risks
