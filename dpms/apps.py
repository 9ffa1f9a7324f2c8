from django.apps import AppConfig


class DpmsConfig(AppConfig):
    name = "dpms"
    verbose_name = "DPMS foundation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Authentication events come from Django and allauth as signals; the receivers only record them.
        from dpms import signals  # noqa: F401
