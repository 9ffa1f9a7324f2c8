from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "risk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dpms import portal
        from risk.views import register

        # Anyone may own a risk (or have one shared with them), so the register is in everyone's menu.
        portal.register_nav("Risks", "risk:register", visible=lambda user: True, order=20, section="/risks/")
        portal.register_subnav("/risks/", "Register", "risk:register", visible=lambda user: True, order=0)
        portal.register_subnav("/risks/", "Heat map", "risk:heatmap", visible=lambda user: True, order=10)
        from risk.queries.matrices import can_read_matrices

        portal.register_subnav("/risks/", "Matrices", "risk:matrices", visible=can_read_matrices, order=60)
        portal.register_panel("risk/register/appetite_panel.html", register.appetite_panel, order=30)

        from risk.queries.reviews import can_see_round
        from risk.views.reviews import register_review_panel

        register_review_panel()  # due and overdue risk reviews on the dashboard
        portal.register_subnav(
            "/risks/", "Review round", "risk:review_round", visible=can_see_round, order=40
        )

        from risk.views.acceptances import register_treatment_pages

        register_treatment_pages()  # overdue actions, acceptances awaiting approval, their section links

        from risk.demo import seed_risk_demo

        portal.register_seeder(seed_risk_demo, order=20)  # after the access register: risks need its systems
