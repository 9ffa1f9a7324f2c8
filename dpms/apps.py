from django.apps import AppConfig


class DpmsConfig(AppConfig):
    name = "dpms"
    verbose_name = "DPMS foundation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Authentication events come from Django and allauth as signals; the receivers only record them.
        from django.db.models.signals import post_migrate

        # health connects Celery's task_postrun: the worker records each run of a periodic task; sso audits
        # single sign-ons, links and unlinks, and announces break-glass sign-ins.
        from dpms import health, signals, sso  # noqa: F401

        # Every periodic task is watched from the migrate that deployed it (a tick never run goes stale then).
        post_migrate.connect(health.watch_ticks, sender=self)
        # Registers the deployment check of the audit trail's checkpoint key; mfa connects the audit and the
        # notices of second factors (receivers of allauth.mfa's signals).
        from dpms import checks, mfa  # noqa: F401
