from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VulnerabilitiesConfig(AppConfig):
    """Third-party components per system, vulnerabilities treated by criticality, scanner imports and the
    public disclosure intake."""

    name = "vulnerabilities"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dpms import portal
        from vulnerabilities import demo, tasks
        from vulnerabilities.api import components as components_api
        from vulnerabilities.api import register as register_api
        from vulnerabilities.api.imports import ScanImportViewSet
        from vulnerabilities.queries.deadlines import may_read_policy
        from vulnerabilities.queries.disclosures import may_read_disclosures
        from vulnerabilities.queries.imports import may_read_imports
        from vulnerabilities.queries.metrics import sees_metrics
        from vulnerabilities.queries.register import may_open_register, sees_register_link
        from vulnerabilities.views import components as components_views
        from vulnerabilities.views import metrics as metrics_views

        portal.register_app(
            portal.App(
                name=self.name,
                nav=portal.Link(
                    _("Vulnerabilities"),
                    "vulnerabilities:register",
                    section="/vulnerabilities/",
                    order=35,
                    visible=sees_register_link,
                ),
                subnav=[
                    # Only on the app's own pages: the ownership query is paid there, not on every page.
                    portal.Link(_("Register"), "vulnerabilities:register", visible=may_open_register),
                    portal.Link(_("Scan imports"), "vulnerabilities:scan_imports", visible=may_read_imports),
                    portal.Link(
                        _("Reports from outside"), "vulnerabilities:disclosures", visible=may_read_disclosures
                    ),
                    portal.Link(_("Remediation policy"), "vulnerabilities:policy", visible=may_read_policy),
                ],
                # Each panel is loaded by a request of its own (dpms.portal); ``visible`` reads roles only.
                panels=[
                    portal.Panel(
                        "vulnerabilities/metrics/panel.html",
                        metrics_views.remediation_panel,
                        order=35,
                        key="vulnerabilities-remediation",
                        visible=sees_metrics,
                    ),
                    # Owners' way in: the menu link stays the officers' (see sees_register_link). Anyone may
                    # own a vulnerability or a system with one: everyone's, shown when there is one.
                    portal.Panel(
                        "vulnerabilities/metrics/owner_panel.html",
                        metrics_views.owner_panel,
                        order=36,
                        key="vulnerabilities-mine",
                    ),
                ],
                # The system's page (access) shows its components and open vulnerabilities.
                sections=[
                    portal.Section(
                        "system-detail",
                        "vulnerabilities/components/_system_section.html",
                        context=components_views.system_section,
                    )
                ],
                seeder=portal.Seeder(demo.seed_vulnerabilities_demo, order=40),
                tick=portal.Tick(tasks.tick, every=timedelta(minutes=15)),
                api=[
                    portal.ApiRoute(
                        "vulnerabilities/scan-imports", ScanImportViewSet, "vulnerability-scan-import"
                    ),
                    # After the scan imports: "scan-imports" is not a vulnerability's id.
                    portal.ApiRoute("vulnerabilities", register_api.VulnerabilityViewSet, "vulnerability"),
                    portal.ApiRoute("components", components_api.ComponentViewSet, "component"),
                ],
            )
        )
