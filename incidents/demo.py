"""Demo data of the incidents app for ``manage.py seed_demo``: about 40 incidents of the demo company in
every state, with their timelines, over the access register's systems and the risk register's risks.

Among them, so the demo has something live to show:
- a SEV1 in mid-escalation: triaged 20 minutes ago, not acknowledged, the security officers told at once
  and the admins after 15 minutes; the running worker's tick fires the next repeat at minute 30;
- a SEV2 personal-data breach whose 72-hour clock runs (30 hours elapsed, the 24-hour reminder sent);
- closed breaches notified on time, notified late with reasons, and judged not notifiable;
- a confidential incident, follow-up actions (some overdue) and post-incident reviews.

The other open incidents have their escalation scheduled as if DPMS had been down since they were
reported: the first tick after seeding sends each missed level once, in order, as after downtime.

Deterministic and safe to run twice: incidents are looked up by title and only missing ones are created.
Rows are written directly (the timeline as the services would have written it) with one summarising audit
event; references come from the locked per-year ``IncidentCounter``, so they are never reused.
"""

import datetime
import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dpms import audit
from dpms.models import User
from incidents.choices import (
    ActionStatus,
    AuthorityDecision,
    EscalationTarget,
    EscalationTrigger,
    EventKind,
    PersonalData,
    Status,
    SubjectsDecision,
)
from incidents.choices import Category as C
from incidents.models import (
    FollowUpAction,
    Incident,
    IncidentCounter,
    IncidentEscalation,
    IncidentEvent,
    PostIncidentReview,
)
from incidents.services import escalation
from incidents.services.breach import utc_iso

SEED = 7
DOMAIN = "northwind.example"
LENA, FELIX, ARJUN, ERIK, TOBIAS, OSKAR = (
    "Lena Hoffmann",
    "Felix Wagner",
    "Arjun Mehta",
    "Erik Larsen",
    "Tobias Braun",
    "Oskar Nilsson",
)
REP, TRI, INV, CON, RES, CLO, DIS = (
    Status.REPORTED,
    Status.TRIAGED,
    Status.INVESTIGATING,
    Status.CONTAINED,
    Status.RESOLVED,
    Status.CLOSED,
    Status.DISMISSED,
)
YES, NO, UNK = PersonalData.YES, PersonalData.NO, PersonalData.UNKNOWN
MID_ESCALATION = "Ransomware note on the finance file server"
RUNNING_BREACH = "Customer export emailed to the wrong recipient"

# (title, category, severity, status, hours since reported, personal data, systems, risk title starts,
#  handler, special)
INCIDENTS = [
    (MID_ESCALATION, C.MALWARE, 1, TRI, 0.34, UNK, ("SAP S/4HANA Finance",), ("Ransomware encrypts",),
     ARJUN, "escalating"),
    (RUNNING_BREACH, C.DATA_EXPOSURE, 1, INV, 30, YES, ("Salesforce",), ("Insider exfiltrates",),
     LENA, "breach_running"),
    ("Email asking me to confirm my Okta password", C.PHISHING, None, REP, 0.2, NO, ("Okta",), (), None, ""),
    ("Laptop left on the train to Hamburg", C.LOST_DEVICE, None, REP, 2, UNK, ("Microsoft Intune",),
     ("Lost or stolen laptop",), None, ""),
    ("Strange pop-up asking to install a browser update", C.MALWARE, None, REP, 5, NO, (), (), None, ""),
    ("Invoice PDF from an unknown supplier", C.PHISHING, None, REP, 26, NO, ("M365 Exchange",), (), None, ""),
    ("Researcher reports an open redirect in the customer portal", C.VULNERABILITY, None, REP, 40, NO, (),
     ("SQL injection in the customer portal",), None, ""),
    ("Shared drive link opened to anyone with the link", C.DATA_EXPOSURE, None, REP, 3, YES,
     ("Google Workspace",), (), None, ""),
    ("Fake DocuSign request to the sales team", C.PHISHING, 3, TRI, 20, NO, ("DocuSign",), (), ERIK, "ack"),
    ("Unknown device registered to a finance account", C.UNAUTHORISED_ACCESS, 2, TRI, 6, NO, ("Okta",),
     ("Stolen session cookies",), ARJUN, "ack"),
    ("Slow checkout pages in the web shop", C.AVAILABILITY, 3, TRI, 9, NO, ("Cloudflare",), (), OSKAR, ""),
    ("USB stick found in the car park", C.OTHER, 4, TRI, 50, NO, (), ("USB sticks used",), ERIK, "ack"),
    ("Malware alert on a developer laptop", C.MALWARE, 2, INV, 12, NO, ("CrowdStrike Falcon",),
     ("Compromised developer account",), ARJUN, "ack"),
    ("Mailbox rule forwarding invoices to an outside address", C.UNAUTHORISED_ACCESS, 2, INV, 28, YES,
     ("M365 Exchange",), ("Business email compromise",), LENA, "ack"),
    ("API key for the staging cluster posted in a public gist", C.DATA_EXPOSURE, 3, INV, 70, NO,
     ("GitHub Enterprise",), ("Secrets committed",), TOBIAS, "ack"),
    ("Helpdesk call asking to reset the CFO's MFA", C.PHISHING, 2, INV, 5, NO, ("Okta",),
     ("Helpdesk tricked",), ERIK, "ack"),
    ("Grievance file sent to the whole department", C.DATA_EXPOSURE, 2, INV, 8, YES, ("Workday",), (),
     LENA, "confidential"),
    ("Payroll portal unreachable for staff", C.AVAILABILITY, 3, INV, 4, NO, ("Datev",), (), OSKAR, "ack"),
    ("Scanner on the guest Wi-Fi probing office hosts", C.UNAUTHORISED_ACCESS, 3, INV, 30, NO, (),
     ("Guest Wi-Fi not separated",), TOBIAS, "ack"),
    ("Brute-force attempts on the VPN", C.UNAUTHORISED_ACCESS, 2, CON, 60, NO, ("Cloudflare",),
     ("Unpatched VPN appliance",), TOBIAS, "ack"),
    ("Support agent's account used from two countries", C.UNAUTHORISED_ACCESS, 2, CON, 80, UNK, ("Zendesk",),
     ("Stolen session cookies",), ARJUN, "ack"),
    ("Phishing site imitating our login page", C.PHISHING, 3, CON, 100, NO, ("Okta",), (), ARJUN, "ack"),
    ("Ransomware blocked on a kiosk PC", C.MALWARE, 3, CON, 30, NO, ("CrowdStrike Falcon",), (), ERIK, "ack"),
    ("DDoS on the marketing website", C.AVAILABILITY, 2, CON, 15, NO, ("Cloudflare",),
     ("DDoS attack takes the web shop offline",), OSKAR, "ack"),
    ("Printer jobs with HR letters left uncollected", C.DATA_EXPOSURE, 4, RES, 120, YES, (),
     ("Unlocked screens and papers",), LENA, "ack"),
    ("Expired TLS certificate on the partner API", C.AVAILABILITY, 3, RES, 200, NO, ("Cloudflare",),
     ("TLS certificates expire",), TOBIAS, "ack"),
    ("Contractor kept access after the project ended", C.UNAUTHORISED_ACCESS, 3, RES, 150, NO, ("Okta",),
     ("Former employees keep access",), LENA, "ack"),
    ("Malicious attachment opened in accounts payable", C.MALWARE, 2, RES, 90, NO, ("M365 Exchange",),
     ("Business email compromise",), ARJUN, "ack"),
    ("Test database with real customer data on staging", C.DATA_EXPOSURE, 1, RES, 300, YES,
     ("PostgreSQL staging cluster",), ("Production data copied",), LENA, "breach_on_time"),
    ("Stolen bag with an encrypted laptop", C.LOST_DEVICE, 3, CLO, 900, YES, ("Microsoft Intune",),
     ("Lost or stolen laptop",), ERIK, "breach_not_required"),
    ("Newsletter sent with all addresses in CC", C.DATA_EXPOSURE, 1, CLO, 1400, YES, ("HubSpot Marketing",),
     ("Marketing emails sent without valid consent",), LENA, "breach_late"),
    ("Outage of the production database", C.AVAILABILITY, 1, CLO, 2000, NO, ("PostgreSQL prod cluster",),
     ("Production database outage",), OSKAR, "closed_review"),
    ("Credential phishing wave against sales", C.PHISHING, 2, CLO, 2600, NO, ("Okta", "Salesforce"),
     ("Phishing leads to credential theft",), ARJUN, "closed_review"),
    ("Old Jenkins server reachable from the internet", C.VULNERABILITY, 3, CLO, 3000, NO, ("Jenkins",),
     (), TOBIAS, "closed"),
    ("Misdirected parcel with printed contracts", C.DATA_EXPOSURE, 1, CLO, 3500, YES, ("DocuSign",), (),
     LENA, "breach_not_required"),
    ("Shadow SaaS tool found holding customer lists", C.OTHER, 3, CLO, 4000, YES, ("Google Workspace",),
     ("Shadow IT",), LENA, "closed"),
    ("Suspicious login alert that was the user travelling", C.UNAUTHORISED_ACCESS, None, DIS, 70, NO,
     ("Okta",), (), None, "dismissed"),
    ("Marketing email flagged as phishing", C.PHISHING, None, DIS, 110, NO, ("M365 Exchange",), (), None,
     "dismissed"),
    ("Penetration test traffic reported as an attack", C.UNAUTHORISED_ACCESS, 4, DIS, 400, NO, (), (),
     None, "dismissed"),
    ("Door to the server room found open", C.OTHER, 4, CLO, 1800, NO, ("Gallagher Access Control",),
     ("Tailgating into the office",), LENA, "closed"),
]  # fmt: skip

ROOT_CAUSES = (
    "A single control failed and nothing caught it: the alert went to a shared mailbox no one watched.",
    "A manual step in the process was skipped under time pressure.",
    "The configuration drifted from the baseline after an emergency change.",
)
LESSONS = (
    "Route alerts to the on-call rota and test the route monthly.",
    "Automate the step and add a four-eyes check for exceptions.",
    "Check configuration against the baseline daily and alert on drift.",
)
DESCRIPTIONS = {
    C.PHISHING: "I received a message that looked like it came from IT and asked me to sign in again.",
    C.LOST_DEVICE: "My company device is missing; I last had it on my way home.",
    C.MALWARE: "The endpoint protection showed an alert and the machine behaves strangely.",
    C.UNAUTHORISED_ACCESS: "There was a sign-in or change that the account owner did not make.",
    C.DATA_EXPOSURE: "Information that should be restricted was sent to or seen by the wrong people.",
    C.AVAILABILITY: "The service was slow or unavailable for several users.",
    C.VULNERABILITY: "A weakness was reported that could be exploited.",
    C.OTHER: "Something that does not look right and may be a security problem.",
}


AWARE_LATER = (
    "Noticed as an unusually large export; known to be personal data leaving the company only when the "
    "export log was read."
)


def _reference(at: datetime.datetime) -> str:
    year = timezone.localtime(at).year
    IncidentCounter.objects.bulk_create([IncidentCounter(year=year)], ignore_conflicts=True)
    counter = IncidentCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"INC-{year}-{counter.last:04d}"


class _Timeline:
    """Collects an incident's timeline lines, as the services would have written them."""

    def __init__(self, incident):
        self.incident, self.rows = incident, []

    def add(self, kind, at, actor, text, *, internal=True, data=None):
        self.rows.append(
            IncidentEvent(
                incident=self.incident,
                kind=kind,
                at=at,
                actor=actor,
                text=text,
                internal=internal,
                data=data or {},
            )
        )


def _build(spec, users, rng, now):
    title, category, severity, status, hours, personal, _systems, _risks, handler_name, special = spec
    reported_at = now - timedelta(hours=hours)
    staff = [user for name, user in users.items() if name not in (LENA, FELIX)]
    reporter = staff[rng.randrange(len(staff))]
    handler = users.get(handler_name)
    officer = users[LENA]
    incident = Incident(
        reference=_reference(reported_at),
        title=title,
        description=DESCRIPTIONS[category],
        category=category,
        reported_by=reporter,
        reported_at=reported_at,
        noticed_at=reported_at - timedelta(minutes=rng.randint(5, 90)),
        occurred_at=reported_at - timedelta(hours=rng.randint(2, 30)) if rng.random() < 0.5 else None,
        personal_data=personal,
        status=status,
        updated_at=reported_at,
    )
    line = _Timeline(incident)
    line.add(EventKind.REPORTED, reported_at, reporter, f"Reported: {title}", internal=False)
    step = max(hours / 8, 0.05)
    at = reported_at
    if status == DIS:
        at += timedelta(hours=step)
        incident.dismissed_at = at
        incident.dismissal_reason = "Checked with the user and the logs: expected activity, not an incident."
        if severity:
            incident.severity, incident.triaged_at, incident.triaged_by = severity, at, officer
        line.add(EventKind.STATUS, at, officer, f"Dismissed: {incident.dismissal_reason}", internal=False)
        return incident, line
    if status == REP:
        return incident, line
    # Triage comes within the hour for the severe ones and within a working day for the others; the rest
    # of the incident's life is spread over the time since.
    triage_hours = min(step, rng.uniform(0.1, {1: 0.5, 2: 2}.get(severity, 8)))
    at += timedelta(hours=triage_hours) if special != "escalating" else timedelta(minutes=0)
    step = max((hours - triage_hours) / 6, 0.05)
    incident.severity, incident.handler = severity, handler
    incident.triaged_at, incident.triaged_by = at, officer
    incident.escalation_round, incident.escalation_started_at = 1, at
    incident.confidential = special == "confidential"
    line.add(
        EventKind.TRIAGED,
        at,
        officer,
        f"Triaged as SEV{severity}, handler {handler.full_name}.",
        data={"severity": severity, "handler": handler.pk},
    )
    line.add(EventKind.STATUS, at, officer, "Status: Triaged", internal=False)
    if special != "escalating":
        ack_at = at + timedelta(minutes=rng.randint(3, 40))
        incident.acknowledged_at, incident.acknowledged_by = ack_at, handler
        line.add(EventKind.ACKNOWLEDGED, ack_at, handler, f"Acknowledged by {handler.full_name}.")
        at = ack_at
    path = [INV, CON, RES, CLO]
    for next_status in path[: max(0, path.index(status) + 1) if status in path else 0]:
        at += timedelta(hours=step)
        if next_status == CON:
            incident.contained_at = at
        elif next_status == RES:
            incident.resolved_at = at
        elif next_status == CLO:
            incident.closed_at = at
            incident.root_cause = rng.choice(ROOT_CAUSES)
            incident.lessons_learned = rng.choice(LESSONS)
        line.add(EventKind.STATUS, at, handler, f"Status: {next_status.label}", internal=False)
        if next_status == INV:
            line.add(EventKind.COMMENT, at, handler, "Collected logs and talked to the reporter.")
    incident.updated_at = at
    return incident, line


def _breach(incident, line, special, users, now):
    """The breach clock of the special cases, consistent with what the breach services record."""
    officer = users[LENA]
    # The running clock: 30 hours elapsed, so the 24-hour reminder went out and the 48-hour one is ahead.
    # Its awareness came a little after it was noticed, and says why, as the breach services require.
    aware = now - timedelta(hours=30) if special == "breach_running" else incident.noticed_at
    reason = AWARE_LATER if aware != incident.noticed_at else ""
    incident.aware_at_reason = reason
    incident.is_breach, incident.breach_marked_at, incident.breach_marked_by = (
        True,
        incident.triaged_at,
        officer,
    )
    incident.aware_at = aware
    incident.authority_deadline = Incident.authority_deadline_for(aware)
    incident.breach_nature = "About 300 customers: names, email addresses and order history."
    incident.breach_effects = "Unwanted contact and phishing aimed at the customers concerned."
    incident.breach_remedial_action = "Recipient asked to delete the data; export access restricted."
    line.add(
        EventKind.CLOCK,
        incident.triaged_at,
        officer,
        "Personal-data breach: the 72-hour clock to notify the supervisory authority runs until the "
        "deadline below" + (f" (awareness differs from the noticed time: {reason})" if reason else ""),
        data={
            "aware_at": utc_iso(aware),
            "deadline": utc_iso(incident.authority_deadline),
            "times": [
                ["Aware since", utc_iso(aware)],
                ["72-hour deadline", utc_iso(incident.authority_deadline)],
            ],
        },
    )
    if special == "breach_running":
        incident.breach_reminder_hours = 24
        line.add(
            EventKind.NOTIFICATION,
            incident.aware_at + timedelta(hours=24),
            None,
            f"{incident.reference}: 24 hours of 72 elapsed: sent to {officer.full_name}",
        )
        return
    decided = aware + timedelta(hours={"breach_on_time": 50, "breach_late": 90}.get(special, 20))
    incident.authority_decided_at, incident.authority_decided_by = decided, officer
    incident.breach_reminder_hours = 72 if special == "breach_late" else 48
    if special == "breach_not_required" and incident.category == C.LOST_DEVICE:
        incident.authority_decision = AuthorityDecision.NOT_REQUIRED
        incident.authority_not_required_reason = (
            "The device was encrypted and wiped remotely: unlikely to result in a risk to the data subjects."
        )
        incident.subjects_decision = SubjectsDecision.EXEMPT_PROTECTED
        incident.subjects_decision_reason = "Full-disk encryption with a strong key."
        text = "Authority notification not required."
    elif special == "breach_not_required":
        incident.authority_decision = AuthorityDecision.NOT_REQUIRED
        incident.authority_not_required_reason = (
            "The parcel reached a partner bound by confidentiality, who returned it unopened the next day: "
            "unlikely to result in a risk to the data subjects."
        )
        incident.subjects_decision = SubjectsDecision.NOT_HIGH_RISK
        incident.subjects_decision_reason = "Returned unopened; no one outside the partner saw the contracts."
        text = "Authority notification not required."
    else:
        incident.authority_decision = AuthorityDecision.NOTIFIED
        incident.authority_notified_at = decided
        incident.authority_reference = f"LfDI-{decided:%Y}-{incident.pk or 0:05d}"
        if special == "breach_late":
            incident.authority_delay_reason = (
                "The extent only became clear after the mailing provider's logs."
            )
        incident.subjects_decision = SubjectsDecision.REQUIRED
        incident.subjects_notified_at = decided + timedelta(hours=20)
        text = f"Supervisory authority notified (reference {incident.authority_reference})."
    # Telling the data subjects is recorded once they are told (a time cannot be recorded ahead).
    incident.subjects_decided_at = incident.subjects_notified_at or decided
    incident.subjects_decided_by = officer
    line.add(EventKind.CLOCK, decided, officer, text)


def _escalating(incident, line, users):
    """SEV1 triaged 20 minutes ago: level 1 (security officers, minute 0) and level 2 (admins, minute 15)
    fired; the first repeat is due at minute 30."""
    start = incident.escalation_started_at
    fires = [
        (1, 0, EscalationTarget.SECURITY_OFFICERS, users[LENA]),
        (2, 15, EscalationTarget.ADMINS, users[FELIX]),
    ]
    rows = []
    for position, minutes, target, person in fires:
        at = start + timedelta(minutes=minutes)
        recipient = {"id": person.pk, "name": person.full_name, "email": person.email}
        rows.append(
            IncidentEscalation(
                incident=incident,
                round=1,
                trigger=EscalationTrigger.UNACKNOWLEDGED,
                position=position,
                repeat=0,
                due_at=at,
                fired_at=at,
                target=target,
                recipients=[recipient],
            )
        )
        line.add(
            EventKind.ESCALATION,
            at,
            None,
            f"Escalated to {target.label.lower()}: not acknowledged {minutes} minutes after triage "
            f"(level {position}).",
            data={"position": position, "recipients": [recipient]},
        )
    incident.escalation_level = 2
    incident.next_escalation_at = start + timedelta(minutes=30)
    return rows


def seed_incident_demo(*, stdout=None) -> dict:
    """The ``seed_demo`` seeder of the incidents app. Returns what it created."""
    from access.models import System
    from risk.models import Risk

    users = {user.full_name: user for user in User.objects.people().filter(email__endswith=f"@{DOMAIN}")}
    if LENA not in users or FELIX not in users:
        return {}  # not the demo organisation
    titles = set(
        Incident.objects.filter(title__in=[spec[0] for spec in INCIDENTS]).values_list("title", flat=True)
    )
    missing = [spec for spec in INCIDENTS if spec[0] not in titles]
    if not missing:
        if stdout is not None:
            stdout.write("Incidents: the demo incidents exist already; nothing changed.")
        return {}
    rng = random.Random(SEED)  # noqa: S311 - demo data, deterministic on purpose
    now = timezone.now()
    systems = {system.name: system for system in System.objects.all()}
    risks = list(Risk.objects.only("pk", "title"))
    with transaction.atomic():
        # Oldest first, so references grow with the report time as they would have.
        built = [(spec, *_build(spec, users, rng, now)) for spec in sorted(missing, key=lambda s: -s[4])]
        for spec, incident, line in built:
            if spec[9].startswith("breach"):
                _breach(incident, line, spec[9], users, now)
        Incident.objects.bulk_create([incident for _spec, incident, _line in built])
        created = {
            incident.title: incident
            for incident in Incident.objects.filter(title__in=[s[0] for s in missing])
        }
        events, escalations, links_s, links_r, reviews, actions = [], [], [], [], [], []
        for spec, incident, line in built:
            saved = created[incident.title]
            if spec[9] == "escalating":
                escalations.extend(_escalating(saved, line, users))
                Incident.objects.filter(pk=saved.pk).update(
                    escalation_level=saved.escalation_level, next_escalation_at=saved.next_escalation_at
                )
            for row in line.rows:
                row.incident = saved
            events.extend(line.rows)
            links_s += [
                Incident.systems.through(incident_id=saved.pk, system_id=systems[name].pk)
                for name in spec[6]
                if name in systems
            ]
            links_r += [
                Incident.risks.through(incident_id=saved.pk, risk_id=risk.pk)
                for start in spec[7]
                for risk in risks
                if risk.title.startswith(start)
            ]
            if saved.status == CLO and saved.severity in (1, 2):
                reviews.append(
                    PostIncidentReview(
                        incident=saved,
                        held_on=timezone.localdate(saved.closed_at) - timedelta(days=1),
                        participants=f"{users[LENA].full_name}, {saved.handler.full_name}, the system owner",
                        summary="Timeline reconstructed; detection took too long.",
                        actions="Alert routing fixed; see the follow-up actions.",
                        recorded_by=users[LENA],
                        recorded_at=saved.closed_at,
                    )
                )
            if saved.status in (CLO, RES) and saved.severity in (1, 2, 3):
                # Due some days after it was added (so overdue by now, or not), or in the weeks ahead: never
                # before the day it was added, which the follow-up service refuses.
                today = timezone.localdate()
                added = timezone.localdate(saved.resolved_at or now)
                due = (
                    added + timedelta(days=rng.randint(3, 20))
                    if rng.random() < 0.4
                    else today + timedelta(days=rng.randint(5, 40))
                )
                actions.append(
                    FollowUpAction(
                        incident=saved,
                        title=f"Follow up on {saved.reference}: " + rng.choice(LESSONS).split(" and ")[0],
                        owner=saved.handler,
                        due_on=due,
                        status=rng.choice((ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE)),
                        created_by=users[LENA],
                        created_at=saved.resolved_at or now,
                    )
                )
        IncidentEvent.objects.bulk_create(events)
        for spec, incident, _line in built:
            saved = created[incident.title]
            if spec[9] != "escalating" and saved.is_open:
                # Their escalation runs as if DPMS had been down since: the first tick sends what is missed.
                escalation.schedule_existing(incident=saved, now=now)
        IncidentEscalation.objects.bulk_create(escalations)
        Incident.systems.through.objects.bulk_create(links_s, ignore_conflicts=True)
        Incident.risks.through.objects.bulk_create(links_r, ignore_conflicts=True)
        PostIncidentReview.objects.bulk_create(reviews)
        FollowUpAction.objects.bulk_create(actions)
        audit.record_seed(
            action="incident.seed",
            object_type="incidents.incident",
            label=f"{len(missing)} demo incidents",
            changes={"created": sorted(created[s[0]].reference for s in missing)},
        )
    if stdout is not None:
        stdout.write(
            f"Incidents: {len(missing)} demo incidents in every state (a SEV1 escalating, "
            f"a breach clock running), {len(events)} timeline lines, {len(actions)} follow-up actions."
        )
    return {"incidents": len(missing), "events": len(events), "actions": len(actions)}
