from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccessConfig(AppConfig):
    name = "access"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from access import demo, tasks
        from access.api import campaigns as campaigns_api
        from access.api import closing as closing_api
        from access.api import imports as imports_api
        from access.api import policies as policies_api
        from access.api import register as register_api
        from access.api import requests as requests_api
        from access.api import reviews as reviews_api
        from access.api import revocations as revocations_api
        from access.queries.birthright import may_read_birthright
        from access.queries.campaigns import can_read_campaigns
        from access.queries.imports import sees_imports_link
        from access.queries.leavers import may_see_movements
        from access.queries.register import may_see_all_findings
        from access.services import birthright, leavers, movers, portal_roles
        from access.services import register as register_services
        from access.views import campaigns, register, requests, reviews
        from access.views import leavers as leavers_views
        from dpms import portal

        portal.register_app(
            portal.App(
                name=self.name,
                # Everyone has access of their own to look at: the register is in everyone's menu.
                nav=portal.Link(_("Access"), "access:grants", section="/access/", order=10),
                subnav=[
                    portal.Link(_("Grants"), "access:grants"),
                    portal.Link(_("Systems"), "access:systems"),
                    portal.Link(_("My reviews"), "access:review_queue"),
                    portal.Link(pgettext_lazy("access", "Requests"), "access:my_requests"),
                    portal.Link(_("Approvals"), "access:requests_awaiting"),
                    portal.Link(_("Revocation tasks"), "access:revocation_list"),
                    portal.Link(_("Campaigns"), "access:campaigns", visible=can_read_campaigns),
                    portal.Link(_("Review policies"), "access:policies", visible=can_read_campaigns),
                    portal.Link(_("Imports"), "access:import_list", visible=sees_imports_link),
                    portal.Link(_("Birthright"), "access:birthright", visible=may_read_birthright),
                ],
                # Each panel is loaded by a request of its own (dpms.portal); ``visible`` reads roles only.
                # The queue, approvals and reports panels are everyone's: the data says whether they show.
                panels=[
                    portal.Panel(
                        "access/register/findings_panel.html",
                        register.findings_panel,
                        order=20,
                        key="access-findings",
                        visible=may_see_all_findings,
                    ),
                    portal.Panel(
                        "access/reviews/panel.html", reviews.queue_panel, order=10, key="access-review-queue"
                    ),
                    portal.Panel(
                        "access/requests/panel.html",
                        requests.approval_panel,
                        order=20,
                        key="access-approvals",
                    ),
                    portal.Panel(
                        "access/leavers/panel.html",
                        leavers_views.movements_panel,
                        order=25,
                        key="access-movements",
                        visible=may_see_movements,
                    ),
                    portal.Panel(
                        "access/campaigns/completion_panel.html",
                        campaigns.completion_panel,
                        order=12,
                        key="access-campaigns",
                        visible=can_read_campaigns,
                    ),
                    portal.Panel(
                        "access/register/reports_panel.html",
                        register.reports_access_panel,
                        order=11,
                        key="access-reports",
                    ),
                ],
                # The header's search: people (whose access page one may open), systems and roles.
                searches=[
                    portal.Search(
                        _("People"),
                        register.search_people,
                        register.people_list_url,
                        _("the grants list (their grants)"),
                        order=10,
                    ),
                    portal.Search(
                        _("Systems"),
                        register.search_systems,
                        register.systems_list_url,
                        _("the systems list"),
                        order=20,
                    ),
                    portal.Search(_("Roles"), register.search_roles, order=30),
                ],
                seeder=portal.Seeder(demo.seed_access_demo, order=10),
                tick=portal.Tick(tasks.tick, every=timedelta(minutes=5)),
                # The portal's own grants follow its roles; a new manager or team opens a mover review; a
                # joiner (or a newcomer to a team) gets the team's birthright; a leaver's access goes.
                role_listeners=[portal_roles.sync_portal_roles_for],
                person_listeners=[movers.on_person_changed, birthright.on_person_changed],
                joiner_listeners=[birthright.on_person_joined],
                leaver_listeners=[leavers.on_person_left],
                # A vulnerability past its remediation deadline is a finding on its system.
                event_listeners={
                    "vulnerability.deadline_breached": [register_services.on_vulnerability_deadline_breached],
                    "vulnerability.deadline_settled": [register_services.on_vulnerability_deadline_settled],
                },
                api=[
                    portal.ApiRoute("access/systems", register_api.SystemViewSet, "access-system"),
                    portal.ApiRoute("access/roles", register_api.RoleViewSet, "access-role"),
                    portal.ApiRoute("access/grants", register_api.GrantViewSet, "access-grant"),
                    portal.ApiRoute("access/requests", requests_api.RequestViewSet, "access-request"),
                    portal.ApiRoute(
                        "access/review-items", reviews_api.ReviewItemViewSet, "access-review-item"
                    ),
                    portal.ApiRoute("access/campaigns", campaigns_api.CampaignViewSet, "access-campaign"),
                    # Closing and evidence are the closing area's, on the same campaign addresses.
                    portal.ApiRoute(
                        "access/campaigns", closing_api.CampaignClosingViewSet, "access-campaign-closing"
                    ),
                    portal.ApiRoute(
                        "access/campaigns", closing_api.CampaignEvidenceViewSet, "access-campaign-evidence"
                    ),
                    portal.ApiRoute(
                        "access/revocation-tasks",
                        revocations_api.RevocationTaskViewSet,
                        "access-revocation-task",
                    ),
                    portal.ApiRoute("access/imports", imports_api.ImportJobViewSet, "access-import"),
                    portal.ApiRoute(
                        "access/import-batches", imports_api.ImportBatchViewSet, "access-import-batch"
                    ),
                    portal.ApiRoute("access/review-policies", policies_api.PolicyViewSet, "access-policy"),
                ],
            )
        )
