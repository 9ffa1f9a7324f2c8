"""Build a believable demo organisation: 60 people in 6 teams with a manager line and the portal roles.

Every demo account shares one password, generated at random on the first run and kept in
``DATA_DIR/demo-password.txt`` (git-ignored), so nothing secret lives in the repository. Running the command
again creates nothing and changes nothing; it only prints the logins again.
"""

import os
import secrets
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from dpms import audit, notify
from dpms import portal as extensions
from dpms.context import origin
from dpms.models import PortalRole, Team, User

DOMAIN = "northwind.example"  # .example is reserved (RFC 2606): demo mail can never reach a real person
PASSWORD_FILE = "demo-password.txt"  # noqa: S105 - a file name, not a password
# The demo's privileged people (security officer, auditor, admin) must have a second factor: they share an
# authenticator-app key, random on the first run and kept beside the password. Demo only, like the password.
TOTP_FILE = "demo-totp-secret.txt"
CEO = ("Katharina Vogel", "Managing Director")

# Team name, description, head of team, members (name, job title). The head reports to the CEO; members
# report to their head, except those in REPORTS_TO_CEO.
ORGANISATION = (
    (
        "Engineering",
        "Builds and runs the product platform.",
        ("Jonas Becker", "Head of Engineering"),
        (
            ("Felix Wagner", "IT Administrator"),
            ("Mei Chen", "Senior Backend Engineer"),
            ("Lukas Schneider", "Backend Engineer"),
            ("Amara Okafor", "Frontend Engineer"),
            ("Tobias Braun", "DevOps Engineer"),
            ("Nina Petrović", "QA Engineer"),
            ("Rafael Costa", "Data Engineer"),
            ("Hannah Fischer", "Product Designer"),
            ("Oskar Nilsson", "Site Reliability Engineer"),
            ("Yusuf Aydın", "Mobile Engineer"),
            ("Clara Weber", "Junior Software Engineer"),
            ("Arjun Mehta", "Security Engineer"),
            ("Elif Kaya", "Database Administrator"),
            ("Benedikt Lang", "Solutions Architect"),
        ),
    ),
    (
        "Finance",
        "Accounting, controlling, payroll and treasury.",
        ("Priya Raman", "Head of Finance"),
        (
            ("Daniel Schmidt", "Internal Auditor"),
            ("Sabine Krüger", "Financial Controller"),
            ("Matteo Bianchi", "Accountant"),
            ("Julia Nowak", "Accounts Payable Specialist"),
            ("Kwame Mensah", "Financial Analyst"),
            ("Ingrid Berg", "Payroll Specialist"),
            ("Stefan Richter", "Treasury Analyst"),
        ),
    ),
    (
        "Sales",
        "New business, key accounts and partners.",
        ("Marco Rossi", "Head of Sales"),
        (
            ("Laura Martin", "Key Account Manager"),
            ("Jan Kowalski", "Account Executive"),
            ("Fatima Haddad", "Account Executive"),
            ("Pierre Dubois", "Sales Engineer"),
            ("Emma Schulz", "Business Development Representative"),
            ("Niklas Hartmann", "Business Development Representative"),
            ("Sara Johansson", "Partner Manager"),
            ("Diego Fernández", "Account Executive"),
            ("Leonie Wolf", "Sales Operations Analyst"),
            ("Ahmed Saleh", "Inside Sales Representative"),
        ),
    ),
    (
        "People & Culture",
        "Hiring, people operations and learning.",
        ("Aylin Demir", "Head of People & Culture"),
        (
            ("Maximilian Koch", "HR Business Partner"),
            ("Sophie Laurent", "Talent Acquisition Specialist"),
            ("Chidi Eze", "People Operations Specialist"),
            ("Anna Zimmermann", "Learning & Development Lead"),
            ("Paula Schmitt", "HR Generalist"),
        ),
    ),
    (
        "Operations",
        "Facilities, procurement, compliance and security.",
        ("Thomas Keller", "Head of Operations"),
        (
            ("Lena Hoffmann", "Information Security Officer"),
            ("Viktor Ivanov", "Facilities Manager"),
            ("Grace O'Brien", "Procurement Specialist"),
            ("Moritz Schäfer", "Office Manager"),
            ("Hana Suzuki", "Compliance Analyst"),
            ("Luca Romano", "Logistics Coordinator"),
            ("Marta Silva", "Vendor Manager"),
            ("Erik Larsen", "IT Support Specialist"),
        ),
    ),
    (
        "Customer Support",
        "Helps customers by phone, chat and email.",
        ("Sofia Lindqvist", "Head of Customer Support"),
        (
            ("Jakob Meyer", "Support Team Lead"),
            ("Aisha Bello", "Customer Support Specialist"),
            ("Tim Neumann", "Customer Support Specialist"),
            ("Olivia Brown", "Technical Support Engineer"),
            ("Kenji Tanaka", "Technical Support Engineer"),
            ("Isabel García", "Customer Success Manager"),
            ("Florian Krause", "Customer Support Specialist"),
            ("Zeynep Yılmaz", "Knowledge Base Editor"),
            ("Noah Lehmann", "Customer Success Manager"),
        ),
    ),
)
CEO_TEAM = "Operations"
# Independence: the security officer and the internal auditor report to the managing director.
REPORTS_TO_CEO = {"Lena Hoffmann", "Daniel Schmidt"}
ROLES = {
    "Lena Hoffmann": PortalRole.SECURITY_OFFICER,
    "Daniel Schmidt": PortalRole.AUDITOR,
    "Felix Wagner": PortalRole.ADMIN,
}
# The accounts the command prints, one per kind of user.
SHOWCASE = (
    ("Security officer", "Lena Hoffmann"),
    ("Auditor", "Daniel Schmidt"),
    ("Admin", "Felix Wagner"),
    ("Manager", "Priya Raman"),
    ("Staff", "Matteo Bianchi"),
)
WORDS = """
amber anchor apple arrow aspen autumn badger bamboo basil beacon birch bison blossom breeze brook
cactus canyon cedar cherry cinder clover cobalt comet copper coral cotton crane crystal daisy delta
dune eagle ember falcon fern fjord flint forest fossil galaxy garnet glacier granite harbor hazel
heron hollow indigo island ivory jasmine juniper kestrel lagoon lantern lava lemon lilac lotus lynx
magnet maple marble meadow mesa meteor mint mistral monsoon moss nectar nimbus north oasis ocean
olive onyx orbit orchid otter pebble pepper pine planet plum polar poppy prairie quartz quill raven
reef ridge river robin saffron sage sequoia shadow sierra silver spruce summit sunset thistle
thunder tidal timber topaz tulip tundra valley velvet violet walnut willow winter zephyr
""".split()  # noqa: SIM905 - a word list reads better as text than as 118 quoted items
_ASCII = str.maketrans({"ı": "i", "ø": "o", "ß": "ss", "'": "", " ": "."})


@dataclass(frozen=True)
class Person:
    name: str
    title: str
    team: str
    manager: str | None
    role: str | None

    @property
    def email(self) -> str:
        plain = unicodedata.normalize("NFKD", self.name.lower().translate(_ASCII))
        return plain.encode("ascii", "ignore").decode() + "@" + DOMAIN


def people() -> list[Person]:
    """The organisation, managers before their reports."""
    ceo_name, ceo_title = CEO
    everyone = [Person(ceo_name, ceo_title, CEO_TEAM, None, ROLES.get(ceo_name))]
    for team, _description, (head, head_title), _members in ORGANISATION:
        everyone.append(Person(head, head_title, team, ceo_name, ROLES.get(head)))
    for team, _description, (head, _head_title), members in ORGANISATION:
        for name, title in members:
            boss = ceo_name if name in REPORTS_TO_CEO else head
            everyone.append(Person(name, title, team, boss, ROLES.get(name)))
    return everyone


class Command(BaseCommand):
    help = "Create a demo organisation (60 people, 6 teams, one of each portal role) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. Demo accounts share one known password: never in production.",
        )
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="Give existing demo accounts the password in the demo password file.",
        )

    def handle(self, *args, force=False, reset_password=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: it creates accounts that share one known password. "
                "Use --force if this really is a demo installation."
            )
        cast = people()
        password = self._demo_password(cast)
        totp_secret = self._demo_totp_secret()
        with origin("cli"), transaction.atomic():
            teams, new_teams = self._teams()
            created = self._people(cast, teams, make_password(password))
            mismatched = self._mismatched(cast, password)
            if mismatched and reset_password:
                self._reset_passwords(mismatched, password)
                mismatched = []
            self._welcome(cast)
            self._second_factors(cast, totp_secret)
            for seed in extensions.seeders():  # the domain apps' demo data (access register, risks, ...)
                seed(stdout=self.stdout)
        self._report(cast, password, created, new_teams, mismatched)
        self._report_second_factor(cast, totp_secret)

    # --- The shared password ---------------------------------------------------------------------------
    def _demo_password(self, cast) -> str:
        path = settings.DATA_DIR / PASSWORD_FILE
        if path.exists():
            password = path.read_text(encoding="utf-8").strip()
            problem = self._policy_problem(password, cast)
            if problem:
                raise CommandError(
                    f"The demo password in {path} breaks the password policy ({problem}). "
                    "Delete the file and run seed_demo again to generate a new one."
                )
            return password
        for _attempt in range(20):
            password = (
                "-".join(secrets.choice(WORDS) for _word in range(4)) + f"-{secrets.randbelow(1000):03d}"
            )
            if not self._policy_problem(password, cast):
                break
        else:  # pragma: no cover - 20 random passphrases in a row failing the policy does not happen
            raise CommandError("Could not generate a demo password that satisfies the password policy.")
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created readable by the owner only; "x" fails rather than overwrite a file written meanwhile.
        with os.fdopen(
            os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8"
        ) as out:
            out.write(password + "\n")
        return password

    @staticmethod
    def _demo_totp_secret() -> str:
        """The demo's authenticator-app key (base32), made once and kept in ``DATA_DIR`` (owner-only)."""
        from allauth.mfa.totp.internal.auth import generate_totp_secret

        path = settings.DATA_DIR / TOTP_FILE
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        secret = generate_totp_secret()
        path.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(
            os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8"
        ) as out:
            out.write(secret + "\n")
        return secret

    @staticmethod
    def _second_factors(cast, secret) -> None:
        """Give the demo's privileged people who have no second factor the demo key, so a newcomer signs in
        with the printed key at once (they must have one: dpms/mfa.py). Anyone with a factor is left alone."""
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP

        privileged = [person.email for person in cast if person.role]
        for user in User.objects.filter(email__in=privileged).exclude(
            pk__in=Authenticator.objects.values("user_id")
        ):
            TOTP.activate(user, secret)
            audit.record(
                action="auth.mfa.enrol", actor=user, obj=user, changes={"type": "totp", "via": "seed_demo"}
            )

    @staticmethod
    def _policy_problem(password, cast) -> str:
        """The same policy as every other way of setting a password, checked against each demo person."""
        try:
            for person in cast:
                validate_password(password, User(email=person.email, full_name=person.name))
        except ValidationError as error:
            return " ".join(error.messages)
        return ""

    # --- Writes ----------------------------------------------------------------------------------------
    def _teams(self):
        teams, new = {}, 0
        for name, description, _head, _members in ORGANISATION:
            team = Team.objects.filter(name=name).first()
            if team is None:
                team = Team.objects.create(name=name, description=description)
                audit.record(
                    action="people.team.create",
                    obj=team,
                    changes={"created": {"name": name, "description": description}, "via": "seed_demo"},
                )
                new += 1
            teams[name] = team
        return teams, new

    def _people(self, cast, teams, password_hash) -> int:
        existing = {user.email: user for user in User.objects.filter(email__in=[p.email for p in cast])}
        by_name = {person.name: person for person in cast}
        groups = {group.name: group for group in Group.objects.filter(name__in=PortalRole.values)}
        created = 0
        for person in cast:
            if person.email in existing:
                continue  # a second run changes nothing, even what someone edited since
            manager = existing.get(by_name[person.manager].email) if person.manager else None
            user = User.objects.create(
                email=person.email,
                full_name=person.name,
                job_title=person.title,
                team=teams[person.team],
                manager=manager,
                password=password_hash,
            )
            if person.role:
                user.groups.add(groups[person.role])
            audit.record(
                action="people.user.create",
                obj=user,
                changes={
                    "created": {
                        "email": user.email,
                        "full_name": user.full_name,
                        "job_title": user.job_title,
                        "team": person.team,
                        "manager": manager.email if manager else None,
                    },
                    "roles": [person.role] if person.role else [],
                    "via": "seed_demo",
                },
            )
            existing[person.email] = user
            created += 1
        return created

    def _mismatched(self, cast, password) -> list:
        """Demo accounts whose password is not the file's (the file was deleted, the database kept)."""
        first = User.objects.filter(email=cast[0].email).first()
        if first is None or check_password(password, first.password):
            return []  # one bcrypt check, not sixty: the accounts were created together
        return list(User.objects.filter(email__in=[p.email for p in cast], is_active=True))

    def _reset_passwords(self, users, password) -> None:
        password_hash = make_password(password)
        for user in users:
            user.password = password_hash
            user.save(update_fields=["password"])
            audit.record(
                action="people.user.password_set", obj=user, changes={"via": "seed_demo --reset-password"}
            )

    def _welcome(self, cast) -> None:
        """Welcome notifications, in the app only; the de-duplication key makes a second run a no-op."""
        users = {user.email: user for user in User.objects.filter(email__in=[p.email for p in cast])}
        for person in cast:
            user = users.get(person.email)
            if user is None:
                continue
            notify.notify(
                recipient=user,
                subject="Welcome to DPMS",
                body="This is the data protection portal: your reviews, reported incidents and "
                "messages gather on your dashboard.",
                link=reverse("dashboard"),
                dedup_key=f"demo:welcome:{user.pk}",
                send_email=False,
            )
            if person.role in (PortalRole.SECURITY_OFFICER, PortalRole.AUDITOR):
                notify.notify(
                    recipient=user,
                    subject="The audit trail is ready for you",
                    body="Every change in the portal is recorded in a tamper-evident trail. "
                    "Filter it, export it, and verify it with manage.py verify_audit.",
                    link=reverse("audit_trail"),
                    dedup_key=f"demo:audit-trail:{user.pk}",
                    send_email=False,
                )
            if person.role == PortalRole.ADMIN:
                notify.notify(
                    recipient=user,
                    subject="You manage people in the admin",
                    body="Invite, update and deactivate people, and set their portal roles.",
                    link=reverse("admin:index"),
                    dedup_key=f"demo:admin:{user.pk}",
                    send_email=False,
                )

    # --- Output ----------------------------------------------------------------------------------------
    def _report_second_factor(self, cast, secret) -> None:
        names = ", ".join(label.lower() for label, name in SHOWCASE if name in ROLES)
        code = f"import pyotp; print(pyotp.TOTP('{secret}').now())"
        for line in (
            "",
            f"  Second factor (DEMO ONLY): the {names} give a code from an authenticator app",
            f"  after the password. Add this key to one (Google Authenticator, Aegis, 1Password): {secret}",
            f'  or print the current code: .venv/bin/python -c "{code}"',
            f"  The key is kept in {settings.DATA_DIR / TOTP_FILE}; a shared key is for a demo only.",
        ):
            self.stdout.write(line)

    def _report(self, cast, password, created, new_teams, mismatched) -> None:
        by_name = {person.name: person for person in cast}
        out = self.stdout
        if created or new_teams:
            out.write(
                self.style.SUCCESS(
                    f"Demo organisation ready: created {created} people and {new_teams} teams "
                    f"({len(cast)} people in {len(ORGANISATION)} teams)."
                )
            )
        else:
            out.write(
                f"The demo organisation exists already ({len(cast)} people, {len(ORGANISATION)} teams); "
                "nothing changed."
            )
        out.write("")
        out.write(f"  Sign in at {settings.SITE_URL}{reverse('account_login')}")
        out.write(f"  Password for every demo account: {password}")
        out.write("")
        for label, name in SHOWCASE:
            person = by_name[name]
            out.write(f"  {label:<17} {person.email:<36} {person.name}, {person.title}")
        out.write("")
        out.write(
            f"  The admin ({by_name['Felix Wagner'].email}) also opens {settings.SITE_URL}"
            f"{reverse('admin:index')}"
        )
        out.write(f"  The password is kept in {settings.DATA_DIR / PASSWORD_FILE}; later runs reuse it.")
        if mismatched:
            self.stderr.write(
                self.style.WARNING(
                    f"  {len(mismatched)} existing demo accounts have another password (the password file "
                    "is newer than they are). Run seed_demo --reset-password to give them the password above."
                )
            )
