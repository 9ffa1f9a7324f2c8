from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    """Policies and attestations: policy documents, acknowledgement campaigns, attestations, follow-ups."""

    name = "policies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dpms import portal
        from policies import demo, tasks
        from policies.api import acknowledgements as acknowledgements_api
        from policies.api import campaigns as campaigns_api
        from policies.api import documents as documents_api
        from policies.api import followups as followups_api
        from policies.queries.campaigns import reads_campaigns
        from policies.queries.followups import sees_all_follow_ups
        from policies.services import campaigns
        from policies.views import dashboard

        portal.register_app(
            portal.App(
                name=self.name,
                # Everyone has policies to read: My policies is in everyone's menu.
                nav=portal.Link(_("Policies"), "policies:mine", section="/policies/", order=40),
                subnav=[
                    portal.Link(_("My policies"), "policies:mine"),
                    portal.Link(_("Library"), "policies:library"),
                    portal.Link(_("Campaigns"), "policies:campaigns", visible=reads_campaigns),
                    # Everyone's: a person's own follow-ups and a manager's reports' are there too (officers
                    # and auditors see every one). The link costs no query.
                    portal.Link(_("Follow-ups"), "policies:follow_ups"),
                ],
                # Each panel is loaded by a request of its own (dpms.portal); ``visible`` reads roles only.
                panels=[
                    portal.Panel(
                        "policies/dashboard/pending_panel.html",
                        dashboard.to_acknowledge_panel,
                        order=14,
                        key="policies-to-acknowledge",
                    ),
                    portal.Panel(
                        "policies/dashboard/share_panel.html",
                        dashboard.acknowledged_share_panel,
                        order=40,
                        key="policies-acknowledged-share",
                        visible=reads_campaigns,
                    ),
                    portal.Panel(
                        "policies/dashboard/panel.html",
                        dashboard.open_no_answers_panel,
                        order=41,
                        key="policies-open-no-answers",
                        visible=sees_all_follow_ups,
                    ),
                ],
                searches=[
                    portal.Search(
                        _("Policies"),
                        dashboard.search_policies,
                        dashboard.policies_list_url,
                        _("the policy library"),
                        order=45,
                    )
                ],
                api=[
                    portal.ApiRoute("policies", documents_api.PolicyViewSet, "policy"),
                    portal.ApiRoute("policy-campaigns", campaigns_api.CampaignViewSet, "policy-campaign"),
                    portal.ApiRoute(
                        "policy-acknowledgements",
                        acknowledgements_api.AcknowledgementViewSet,
                        "policy-acknowledgement",
                    ),
                    portal.ApiRoute("policy-follow-ups", followups_api.FollowUpViewSet, "policy-follow-up"),
                ],
                # After the people (and their teams) exist.
                seeder=portal.Seeder(demo.seed_policies_demo, order=40),
                # Yearly and joiners' campaigns, reminders, escalation and close (policies.tasks).
                tick=portal.Tick(tasks.tick, every=timedelta(minutes=5)),
                joiner_listeners=[campaigns.on_person_joined],
                leaver_listeners=[campaigns.on_person_left],
            )
        )
