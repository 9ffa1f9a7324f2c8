from datetime import timedelta

from django.apps import AppConfig


class VulnerabilitiesConfig(AppConfig):
    """Third-party components per system, vulnerabilities treated by criticality, scanner imports and the
    public disclosure intake."""

    name = "vulnerabilities"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dpms import portal
        from vulnerabilities import tasks
        from vulnerabilities.queries.imports import may_read_imports
        from vulnerabilities.queries.register import may_open_register

        portal.register_app(
            portal.App(
                name=self.name,
                nav=portal.Link(
                    "Vulnerabilities",
                    "vulnerabilities:register",
                    section="/vulnerabilities/",
                    order=35,
                    visible=may_open_register,
                ),
                subnav=[
                    portal.Link("Register", "vulnerabilities:register", visible=may_open_register),
                    portal.Link("Scan imports", "vulnerabilities:scan_imports", visible=may_read_imports),
                ],
                tick=portal.Tick(tasks.tick, every=timedelta(minutes=15)),
            )
        )
