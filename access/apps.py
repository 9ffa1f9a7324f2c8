from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from access.views import register
        from dpms import portal

        # Every signed-in person has access of their own to look at, so the register is in everyone's menu.
        portal.register_nav(
            "Access", "access:grants", visible=lambda user: True, order=10, section="/access/"
        )
        portal.register_panel("access/register/findings_panel.html", register.findings_panel, order=20)

        from access.views import queue

        portal.register_panel("access/queue/panel.html", queue.queue_panel, order=10)

        from access.views.requests import register_request_panels

        register_request_panels()  # "Access requests waiting for your approval"

        def officer_or_auditor(user):
            return user.is_security_officer or user.is_auditor

        for order, (label, url_name, visible) in enumerate(
            [
                ("Grants", "access:grants", None),
                ("Systems", "access:systems", None),
                ("My reviews", "access:review_queue", None),
                ("Requests", "access:my_requests", None),
                ("Approvals", "access:requests_awaiting", None),
                ("Revocation tasks", "access:revocation_list", None),
                ("Campaigns", "access:campaigns", officer_or_auditor),
                ("Review policies", "access:policies", officer_or_auditor),
                ("Imports", "access:import_list", officer_or_auditor),
            ]
        ):
            everyone = lambda user: True  # noqa: E731 - a one-line visibility rule
            portal.register_subnav("/access/", label, url_name, visible=visible or everyone, order=order)

        from access.demo import seed_access_demo
        from access.services.movers import on_person_changed
        from access.services.portal_roles import sync_portal_roles_for

        portal.register_seeder(seed_access_demo, order=10)
        portal.register_role_listener(sync_portal_roles_for)  # the portal's own grants follow its roles
        portal.register_person_listener(on_person_changed)  # a new manager or team: a mover review
