"""Django's changepassword (it checks the password policy), with the change written to the audit trail."""

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import changepassword
from django.db import transaction

from dpms import audit
from dpms.context import origin


class Command(changepassword.Command):
    def handle(self, *args, **options):
        login = options["username"] or getpass.getuser()
        with origin("cli"), transaction.atomic():
            result = super().handle(*args, **options)
            user = get_user_model()._default_manager.db_manager(options["database"]).get_by_natural_key(login)
            audit.record(
                action="auth.password_set",
                obj=user,
                actor_label="command line (changepassword)",
                changes={"via": "manage.py changepassword"},
            )
        return result
