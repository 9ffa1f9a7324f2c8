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
        portal.register_nav("Requests", "access:my_requests", order=11, section="/access/requests/")

        from access.demo import seed_access_demo
        from access.services.movers import on_person_changed
        from access.services.portal_roles import sync_portal_roles_for

        portal.register_seeder(seed_access_demo, order=10)
        portal.register_role_listener(sync_portal_roles_for)  # the portal's own grants follow its roles
        portal.register_person_listener(on_person_changed)  # a new manager or team: a mover review
