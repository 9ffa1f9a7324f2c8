from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dpms import portal
        from incidents import demo, tasks
        from incidents.api.detail import IncidentViewSet
        from incidents.api.escalation_policies import EscalationPolicyViewSet
        from incidents.queries import breach as breach_queries
        from incidents.queries import escalation_policies
        from incidents.queries.metrics import can_see_metrics
        from incidents.services import disclosures
        from incidents.views import breach, escalation, lists, reporting

        portal.register_app(
            portal.App(
                name=self.name,
                # Anyone may report an incident and follow it in the queue: the link is in everyone's menu.
                nav=portal.Link(_("Incidents"), "incidents:queue", section="/incidents/", order=30),
                subnav=[
                    portal.Link(_("Queue"), "incidents:queue"),
                    portal.Link(_("My incidents"), "incidents:mine"),
                    portal.Link(_("Metrics"), "incidents:metrics", visible=can_see_metrics),
                    portal.Link(
                        _("Breach register"),
                        "incidents:breach_register_page",
                        visible=breach_queries.can_open_register,
                    ),
                    portal.Link(
                        _("Escalation policies"),
                        "incidents:escalation_policies",
                        visible=escalation_policies.can_read_policies,
                    ),
                ],
                # Each panel is loaded by a request of its own (dpms.portal); ``visible`` reads roles only.
                panels=[
                    portal.Panel(
                        "incidents/reporting/panel.html",
                        reporting.my_incidents_panel,
                        order=15,
                        key="incidents-mine",
                    ),
                    portal.Panel(
                        "incidents/breach/panel.html",
                        breach.clocks_panel,
                        order=15,
                        key="incidents-clocks",
                        visible=breach_queries.sees_running_clocks,
                    ),
                    portal.Panel(
                        "incidents/lists/open_panel.html",
                        lists.open_incidents_panel,
                        order=25,
                        key="incidents-open",
                        visible=can_see_metrics,
                    ),
                    portal.Panel(
                        "incidents/lists/trend_panel.html",
                        lists.trend_panel,
                        order=26,
                        key="incidents-trend",
                        visible=can_see_metrics,
                    ),
                ],
                sections=[
                    # On a risk's page: the incidents that name it.
                    portal.Section("risk-detail", "incidents/lists/_risk_section.html"),
                    # On the incident page, from the breach and escalation areas.
                    portal.Section(
                        "incident-detail", "incidents/detail/_breach.html", breach.detail_section, order=10
                    ),
                    portal.Section(
                        "incident-detail",
                        "incidents/detail/_escalation.html",
                        escalation.detail_section,
                        order=20,
                    ),
                ],
                searches=[
                    portal.Search(
                        _("Incidents"),
                        lists.search_incidents,
                        lists.incidents_list_url,
                        _("the queue"),
                        order=50,
                    )
                ],
                # After the risk register: incidents link risks.
                seeder=portal.Seeder(demo.seed_incident_demo, order=30),
                tick=portal.Tick(tasks.tick, every=timedelta(minutes=1)),
                api=[
                    portal.ApiRoute("incidents", IncidentViewSet, "incident"),
                    portal.ApiRoute(
                        "incidents/escalation-policies", EscalationPolicyViewSet, "escalation-policy"
                    ),
                ],
                # Vulnerability reports from the public disclosure form (the vulnerabilities app).
                event_listeners={
                    "vulnerability.disclosed": [disclosures.on_vulnerability_disclosed],
                    "vulnerability.disclosure_updated": [disclosures.on_disclosure_updated],
                },
            )
        )
