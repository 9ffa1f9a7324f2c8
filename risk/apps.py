from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RiskConfig(AppConfig):
    name = "risk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dpms import portal
        from risk import demo, tasks
        from risk.api import acceptances as acceptances_api
        from risk.api import actions as actions_api
        from risk.api import heatmap as heatmap_api
        from risk.api import matrices as matrices_api
        from risk.api import register as register_api
        from risk.api import reviews as reviews_api
        from risk.queries.acceptances import may_approve_acceptances, may_list_acceptances
        from risk.queries.actions import sees_overdue_count
        from risk.queries.matrices import can_read_matrices
        from risk.queries.register import sees_appetite_panel
        from risk.queries.reviews import can_see_round
        from risk.views import acceptances, actions, register, reviews

        portal.register_app(
            portal.App(
                name=self.name,
                # Anyone may own a risk (or have one shared with them): the register is in everyone's menu.
                nav=portal.Link(_("Risks"), "risk:register", section="/risks/", order=20),
                subnav=[
                    portal.Link(_("Register"), "risk:register"),
                    portal.Link(_("Heat map"), "risk:heatmap"),
                    portal.Link(_("Review round"), "risk:review_round", visible=can_see_round),
                    portal.Link(pgettext_lazy("risk treatment", "Actions"), "risk:actions"),
                    portal.Link(_("Acceptances"), "risk:acceptances", visible=may_list_acceptances),
                    portal.Link(_("Matrices"), "risk:matrices", visible=can_read_matrices),
                ],
                # Each panel is loaded by a request of its own (dpms.portal); ``visible`` reads roles only.
                # Anyone may own an overdue action or a risk due for review: those two are everyone's.
                panels=[
                    portal.Panel(
                        "risk/register/appetite_panel.html",
                        register.appetite_panel,
                        order=30,
                        key="risk-appetite",
                        visible=sees_appetite_panel,
                    ),
                    portal.Panel(
                        "risk/actions/panel.html",
                        actions.my_overdue_actions_panel,
                        order=30,
                        key="risk-my-overdue-actions",
                    ),
                    portal.Panel(
                        "risk/actions/officer_panel.html",
                        actions.overdue_actions_count_panel,
                        order=31,
                        key="risk-overdue-actions",
                        visible=sees_overdue_count,
                    ),
                    portal.Panel(
                        "risk/acceptances/panel.html",
                        acceptances.acceptances_awaiting_panel,
                        order=32,
                        key="risk-acceptances",
                        visible=may_approve_acceptances,
                    ),
                    portal.Panel(
                        "risk/reviews/panel.html", reviews.review_panel, order=35, key="risk-reviews"
                    ),
                ],
                searches=[
                    portal.Search(
                        _("Risks"),
                        register.search_risks,
                        register.risks_list_url,
                        _("the register"),
                        order=40,
                    )
                ],
                # After the access register: risks need its systems.
                seeder=portal.Seeder(demo.seed_risk_demo, order=20),
                tick=portal.Tick(tasks.tick, every=timedelta(minutes=5)),
                api=[
                    portal.ApiRoute("risk/risks", register_api.RiskViewSet, "risk-risk"),
                    portal.ApiRoute("risk/assessments", reviews_api.AssessmentViewSet, "risk-assessment"),
                    portal.ApiRoute("risk/review-round", reviews_api.ReviewRoundViewSet, "risk-review-round"),
                    portal.ApiRoute("risk/acceptances", acceptances_api.AcceptanceViewSet, "risk-acceptance"),
                    portal.ApiRoute("risk/actions", actions_api.ActionViewSet, "risk-action"),
                    portal.ApiRoute("risk/matrices", matrices_api.MatrixViewSet, "risk-matrix"),
                    portal.ApiRoute("risk/heatmap", heatmap_api.HeatMapViewSet, "risk-heatmap"),
                ],
            )
        )
