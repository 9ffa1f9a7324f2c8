"""Demo data of the risk register for ``manage.py seed_demo``: about 60 risks of a mid-size company over the
access register's demo systems, with treatment actions (some overdue), two approved acceptances (one
expiring soon) and one waiting for approval, and one to four periodic reviews per risk over the past two
years in which the current score comes down (the trend chart has something to show). Next review dates are
spread so that some reviews are overdue and some fall due within the next two weeks.

Deterministic (``random.Random(42)``) and safe to run twice: risks are looked up by title and only missing
ones are created, with their actions, acceptances and reviews; so a second run creates nothing.

Rows are written with ``bulk_create`` (the seed stays fast) and recorded in the audit trail with one
summarising event per area (source ``cli``), as the access seeder does. References are taken from the
locked ``RiskCounter``, as every new risk takes them, so they are never reused.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from dpms import audit
from dpms.models import User
from risk.choices import AcceptanceStatus, ActionStatus, RiskStatus, Treatment
from risk.models import (
    Risk,
    RiskAcceptance,
    RiskAssessment,
    RiskCategory,
    RiskCounter,
    RiskMatrix,
    TreatmentAction,
)
from risk.services.matrices import install_presets

SEED = 42
DOMAIN = "northwind.example"
SECURITY_OFFICER = "Lena Hoffmann"
ADMIN = "Felix Wagner"
HISTORY_DAYS = 730  # reviews go back two years at most
SHOWCASE = 3  # the first risks of RISKS get four reviews each

CYBER, PRIVACY, CONTINUITY, SUPPLIER, COMPLIANCE, PEOPLE, PHYSICAL, FRAUD = (
    "Information security",
    "Data protection",
    "Business continuity",
    "Third parties",
    "Compliance",
    "People",
    "Physical security",
    "Fraud",
)
CATEGORIES = {
    CYBER: "Attacks on and weaknesses of systems, accounts and networks.",
    PRIVACY: "Personal data processed unlawfully, kept too long or disclosed.",
    CONTINUITY: "Outages and failures that stop the business.",
    SUPPLIER: "Suppliers, processors and partners.",
    COMPLIANCE: "Legal, regulatory and contractual obligations.",
    PEOPLE: "Key people, joiners, movers and leavers.",
    PHYSICAL: "Offices, rooms and equipment.",
    FRAUD: "Payment and procurement fraud.",
}
DRAFT, OPEN, ACCEPTED, CLOSED = RiskStatus.DRAFT, RiskStatus.OPEN, RiskStatus.ACCEPTED, RiskStatus.CLOSED
MIT, ACC, TRA, AVO = Treatment.MITIGATE, Treatment.ACCEPT, Treatment.TRANSFER, Treatment.AVOID
LENA, ARJUN, FELIX, TOBIAS, OSKAR, ELIF = (
    "Lena Hoffmann",
    "Arjun Mehta",
    "Felix Wagner",
    "Tobias Braun",
    "Oskar Nilsson",
    "Elif Kaya",
)
JONAS, MEI, RAFAEL, ERIK, PRIYA, SABINE = (
    "Jonas Becker",
    "Mei Chen",
    "Rafael Costa",
    "Erik Larsen",
    "Priya Raman",
    "Sabine Krüger",
)
THOMAS, VIKTOR, HANA, MARTA, AYLIN, MARCO, SOFIA = (
    "Thomas Keller",
    "Viktor Ivanov",
    "Hana Suzuki",
    "Marta Silva",
    "Aylin Demir",
    "Marco Rossi",
    "Sofia Lindqvist",
)
AWS, K8S, PG, M365, OKTA = (
    "AWS Production",
    "Kubernetes prod (EKS)",
    "PostgreSQL prod cluster",
    "M365 Exchange",
    "Okta",
)

# Scores are (likelihood, impact) on a 5-point scale, 0 lowest; they are scaled to the active matrix.
# (title, category, owner, systems, inherent, current, target, status, treatment,
#  threat, vulnerability, existing controls, treatment actions)
RISKS = (
    ("Ransomware encrypts file shares and backups", CYBER, FELIX,
     (M365, "Microsoft Intune", "CrowdStrike Falcon"),
     (3, 4), (2, 4), (1, 3), OPEN, MIT,
     "A criminal group gets in through a phishing attachment or exposed remote access and encrypts data.",
     "Office laptops and file shares sit in one flat network; backups are reachable from the domain.",
     "EDR on every laptop, nightly backups, attachment sandboxing.",
     ("Move backups to immutable object storage", "Segment the office network from the file shares")),
    ("Phishing leads to credential theft and mailbox takeover", CYBER, ARJUN, (OKTA, M365),
     (4, 3), (3, 2), (2, 2), OPEN, MIT,
     "Attackers send convincing login pages to staff and replay the captured passwords.",
     "Staff reuse passwords; a few legacy mail protocols still allow basic authentication.",
     "Okta MFA for all staff, quarterly phishing simulations.",
     ("Disable legacy mail protocols", "Roll out phishing-resistant MFA to finance")),
    ("Unpatched VPN appliance exploited from the internet", CYBER, TOBIAS, ("Cloudflare", AWS),
     (3, 4), (2, 3), (1, 3), OPEN, MIT,
     "Mass exploitation of a published VPN vulnerability within days of disclosure.",
     "Patches are applied in a monthly window; the appliance vendor's advisories are not monitored.",
     "Vendor support contract, admin interface not exposed.",
     ("Subscribe to the vendor's security advisories", "Emergency patch procedure for edge devices")),
    ("Lost or stolen laptop with customer data", PRIVACY, ERIK, ("Microsoft Intune", "Salesforce"),
     (3, 3), (3, 1), (3, 1), OPEN, MIT,
     "Laptops are left in trains, cars and cafés, or stolen from them.",
     "Sales staff keep exported customer lists on their laptops.",
     "Full-disk encryption enforced by Intune, remote wipe.",
     ("Report on laptops without encryption weekly",)),
    ("Data breach at the payroll provider", SUPPLIER, PRIYA, ("Datev", "Workday"),
     (2, 4), (2, 3), (2, 3), OPEN, TRA,
     "The payroll provider is breached and employees' salary and bank data leak.",
     "We depend on the provider's own security; the last audit report is two years old.",
     "Data processing agreement, ISO 27001 certificate on file, cyber insurance.",
     ("Request the provider's current SOC 2 report",)),
    ("Misconfigured S3 bucket exposes customer exports", CYBER, TOBIAS, (AWS, "Snowflake Data Warehouse"),
     (3, 4), (1, 4), (1, 3), OPEN, MIT,
     "Someone scans for public buckets and downloads customer exports.",
     "Buckets are created by hand; public access is not blocked at account level.",
     "Account-wide S3 Block Public Access, AWS Config rules.",
     ("Enable Block Public Access on all accounts", "Move bucket creation to Terraform modules")),
    ("Insider exfiltrates customer lists before leaving", PRIVACY, MARCO, ("Salesforce", "HubSpot Marketing"),
     (2, 3), (2, 3), (1, 2), OPEN, MIT,
     "A salesperson about to join a competitor exports the customer base.",
     "Every sales user may export reports; exports are not logged centrally.",
     "Confidentiality clause in contracts.",
     ("Restrict report exports to sales managers", "Alert on large exports in Salesforce")),
    ("DDoS attack takes the web shop offline", CONTINUITY, OSKAR, ("Cloudflare", K8S),
     (3, 3), (2, 2), (2, 2), OPEN, MIT,
     "Extortion groups flood the shop with traffic in the busy season.",
     "The origin servers can be reached directly, bypassing the CDN.",
     "Cloudflare in front of the shop, autoscaling.",
     ("Lock the origin to Cloudflare's address ranges",)),
    ("Backup restore fails when it is needed", CONTINUITY, ELIF, (PG, AWS),
     (2, 4), (2, 3), (1, 2), OPEN, MIT,
     "After data loss, the restore turns out to be incomplete or far too slow.",
     "Restores are not tested regularly; nobody knows the real recovery time.",
     "Daily snapshots with 35 days retention.",
     ("Quarterly restore test with a timed runbook", "Document recovery time objectives per system")),
    ("Too many people hold administrator rights", CYBER, LENA, (OKTA, AWS, M365),
     (3, 3), (3, 3), (1, 2), OPEN, MIT,
     "A compromised administrator account gives an attacker the whole tenant.",
     "Administrator roles are handed out for convenience and rarely taken back.",
     "Monthly privileged access review.",
     ("Introduce just-in-time admin elevation", "Remove standing Global Administrator rights")),
    ("Shadow IT: unapproved SaaS tools hold company data", COMPLIANCE, HANA, ("Google Workspace", "Slack"),
     (4, 2), (3, 2), (2, 1), OPEN, MIT,
     "Teams sign up for free online tools and upload customer and staff data.",
     "No approval step for new tools; single sign-on is not enforced.",
     "Acceptable use policy.",
     ("Publish a list of approved tools", "Block OAuth consent to unverified apps")),
    ("GDPR data subject request backlog misses the one-month deadline", COMPLIANCE, HANA,
     ("Zendesk", "Salesforce"),
     (3, 3), (2, 3), (1, 2), OPEN, MIT,
     "Requests for access and erasure pile up and are answered late.",
     "Requests arrive by email and are searched for by hand in six systems.",
     "Shared mailbox, weekly check by the compliance analyst.",
     ("Ticket form for data subject requests", "Script the export from Salesforce and Zendesk")),
    ("Card data captured by a skimming script on checkout", CYBER, JONAS, ("Stripe", "Cloudflare"),
     (2, 4), (1, 4), (1, 3), OPEN, MIT,
     "A compromised third-party script on the checkout page reads card numbers.",
     "Checkout pages load marketing scripts from several domains.",
     "Stripe-hosted payment fields, Content Security Policy.",
     ("Remove marketing scripts from checkout pages",)),
    ("Compromised developer account pushes malicious code", CYBER, JONAS, ("GitHub Enterprise", "Jenkins"),
     (2, 4), (2, 3), (1, 3), OPEN, MIT,
     "An attacker takes over a developer's account and slips a backdoor into a release.",
     "Branch protection is not enforced on every repository.",
     "SSO for GitHub, code review on the main product.",
     ("Enforce branch protection on all repositories", "Require signed commits on release branches")),
    ("Secrets committed to source code repositories", CYBER, MEI, ("GitHub Enterprise", "HashiCorp Vault"),
     (3, 3), (2, 3), (1, 2), OPEN, MIT,
     "API keys and passwords in the history of a repository are found and abused.",
     "Older services read credentials from configuration files.",
     "Vault for new services, GitHub secret scanning.",
     ("Move the billing service's keys to Vault",)),
    ("Production database outage without a tested failover", CONTINUITY, ELIF, (PG,),
     (2, 4), (2, 3), (1, 3), OPEN, MIT,
     "The primary database fails and the platform stops for hours.",
     "Failover to the replica is manual and has never been rehearsed.",
     "Streaming replica in a second availability zone.",
     ("Automate failover with Patroni", "Rehearse failover twice a year")),
    ("Cloud region outage stops the platform", CONTINUITY, OSKAR, (AWS, K8S),
     (1, 4), (1, 4), (1, 3), ACCEPTED, ACC,
     "A full AWS region outage takes the platform down for a day.",
     "The platform runs in one region.",
     "Three availability zones, infrastructure as code for a rebuild.",
     ()),
    ("Business email compromise leads to a fraudulent payment", FRAUD, PRIYA, (M365, "SAP S/4HANA Finance"),
     (3, 4), (2, 3), (1, 3), OPEN, MIT,
     "A fake email from the managing director or a supplier asks for an urgent transfer.",
     "Payments can be released by one person on an email instruction.",
     "Four-eyes principle above 10,000 EUR.",
     ("Call-back verification for changed bank details", "Extend the four-eyes rule to all payments")),
    ("CRM provider outage stops sales and support", SUPPLIER, MARCO, ("Salesforce",),
     (2, 2), (2, 2), (2, 2), ACCEPTED, ACC,
     "Salesforce is unavailable for several hours.",
     "Sales and support work only in the CRM.",
     "Vendor SLA of 99.9 %, weekly data export.",
     ()),
    ("Former employees keep access after leaving", PEOPLE, AYLIN, ("Workday", OKTA),
     (3, 3), (2, 2), (1, 2), OPEN, MIT,
     "A leaver still signs in to company systems weeks after the last day.",
     "Leavers are reported to IT by email; some systems are not connected to Okta.",
     "Workday to Okta deprovisioning for connected systems.",
     ("Connect the remaining systems to Okta", "Monthly leaver reconciliation")),
    ("Personal data processed without a data processing agreement", PRIVACY, MARTA,
     ("HubSpot Marketing", "Zendesk"),
     (3, 3), (2, 3), (1, 2), OPEN, MIT,
     "A processor handles customer data without contractual safeguards.",
     "Contracts are signed by departments without a privacy check.",
     "Template data processing agreement.",
     ("Review all processors against the contract register",)),
    ("Applicant data kept longer than allowed", PRIVACY, AYLIN, ("Greenhouse Recruiting",),
     (4, 2), (3, 2), (1, 1), OPEN, MIT,
     "Rejected applicants' CVs stay in the recruiting system for years.",
     "No automatic deletion is configured.",
     "Retention policy of six months on paper.",
     ("Configure automatic deletion after six months",)),
    ("Marketing emails sent without valid consent", COMPLIANCE, MARCO, ("HubSpot Marketing",),
     (3, 2), (2, 2), (1, 1), OPEN, MIT,
     "Recipients complain to the supervisory authority about unsolicited newsletters.",
     "Purchased contact lists were imported years ago.",
     "Double opt-in for new subscribers.",
     ("Remove contacts without a recorded consent",)),
    ("Administrators sign in with SMS codes", CYBER, ARJUN, (OKTA,),
     (3, 3), (1, 3), (1, 3), CLOSED, MIT,
     "SIM swapping defeats SMS codes of administrator accounts.",
     "Administrators used SMS as their second factor.",
     "FIDO2 security keys for all administrators.",
     ("Issue security keys to administrators",)),
    ("End-of-life operating systems on office workstations", CYBER, ERIK, ("Microsoft Intune",),
     (3, 3), (1, 2), (1, 2), CLOSED, AVO,
     "Unsupported Windows versions stay exposed to known vulnerabilities.",
     "Old workstations in the warehouse ran Windows 10 past its support end.",
     "All workstations replaced and enrolled in Intune.",
     ("Replace the remaining warehouse workstations",)),
    ("Kubernetes RBAC allows privilege escalation", CYBER, OSKAR, (K8S, "Kubernetes staging"),
     (2, 4), (2, 3), (1, 2), OPEN, MIT,
     "A compromised workload escalates to cluster administrator.",
     "Service accounts carry broad cluster roles.",
     "Namespaces per team, admission policies.",
     ("Reduce service account permissions", "Enable audit logging for the API server")),
    ("Logs do not allow incidents to be investigated", CYBER, ARJUN, ("Datadog", "CrowdStrike Falcon"),
     (3, 3), (2, 2), (1, 2), OPEN, MIT,
     "After an incident, nobody can tell what the attacker did.",
     "Logs of SaaS tools are kept only 30 days and not centralised.",
     "Datadog for platform logs, EDR telemetry.",
     ("Forward Okta and M365 audit logs to Datadog",)),
    ("Security alerts missed outside office hours", CYBER, OSKAR, ("PagerDuty", "CrowdStrike Falcon"),
     (3, 3), (2, 3), (2, 2), OPEN, MIT,
     "An attack starting on a Friday night goes unnoticed until Monday.",
     "EDR alerts go to an email inbox, not to the on-call rota.",
     "On-call rota for platform outages.",
     ("Route critical EDR alerts to PagerDuty",)),
    ("Production data copied to staging and development", PRIVACY, RAFAEL,
     ("PostgreSQL staging cluster", "AWS Staging", "Snowflake Data Warehouse"),
     (4, 3), (3, 3), (1, 2), OPEN, MIT,
     "Real customer data leaks from less protected test environments.",
     "Developers refresh staging from production dumps.",
     "Access to staging restricted to engineering.",
     ("Build a masked dataset for staging", "Block production dumps outside the cluster")),
    ("Analysts export personal data to spreadsheets", PRIVACY, RAFAEL,
     ("Snowflake Data Warehouse", "Tableau Server"),
     (3, 3), (3, 2), (2, 2), OPEN, MIT,
     "Spreadsheets with customer data are mailed around and kept on laptops.",
     "Warehouse tables expose personal data to every analyst.",
     "Role-based access in Snowflake.",
     ("Mask personal columns for the analyst role",)),
    ("Password manager vault compromised", CYBER, ARJUN, ("1Password Business",),
     (1, 4), (1, 4), (1, 3), OPEN, MIT,
     "An attacker gets into the shared vaults with all service passwords.",
     "Service passwords are shared in large vaults.",
     "1Password with secret key and MFA.",
     ("Split shared vaults per team",)),
    ("Tailgating into the office and server room", PHYSICAL, VIKTOR, ("Gallagher Access Control",),
     (3, 2), (2, 2), (2, 1), OPEN, MIT,
     "Visitors follow staff through the door and reach the comms room.",
     "The comms room shares a badge zone with the office floor.",
     "Badge readers on every entrance, visitor log.",
     ("Separate badge zone for the comms room",)),
    ("Fire or water damage in the comms room", PHYSICAL, VIKTOR, ("Gallagher Access Control",),
     (1, 3), (1, 2), (1, 2), OPEN, ACC,
     "A burst pipe or fire destroys network equipment in the office.",
     "The comms room lies under the kitchen.",
     "Smoke detector, equipment insured, most services in the cloud.",
     ()),
    ("Single SAP basis administrator", PEOPLE, SABINE, ("SAP S/4HANA Finance",),
     (3, 3), (3, 3), (2, 2), OPEN, MIT,
     "The only SAP basis administrator leaves or falls ill during the year-end close.",
     "No deputy; procedures are not documented.",
     "Support contract with an SAP partner.",
     ("Train a deputy basis administrator", "Document the year-end procedures")),
    ("One engineer knows the deployment pipeline", PEOPLE, JONAS, ("Jenkins", K8S),
     (3, 3), (2, 3), (1, 2), OPEN, MIT,
     "Releases stop when the engineer who built the pipeline is away.",
     "Pipeline configuration lives in one person's head and in Jenkins jobs.",
     "Pair on-call for releases.",
     ("Move pipeline definitions into the repositories",)),
    ("Helpdesk tricked into resetting a password", CYBER, ERIK, (OKTA,),
     (3, 3), (2, 3), (1, 2), OPEN, MIT,
     "A caller impersonates an employee and gets their password and MFA reset.",
     "Identity checks on the phone rely on publicly known facts.",
     "Resets only to the registered phone number.",
     ("Verify callers through a manager's confirmation",)),
    ("Support agents see full payment details", PRIVACY, SOFIA, ("Zendesk", "Stripe"),
     (3, 2), (2, 2), (1, 1), OPEN, MIT,
     "Agents see and copy more payment data than they need.",
     "Support role in Stripe shows full customer details.",
     "Agents trained on data handling.",
     ("Narrow the Stripe support role",)),
    ("Customer data pasted into public AI chat tools", PRIVACY, HANA, ("Google Workspace",),
     (4, 3), (3, 3), (2, 2), DRAFT, MIT,
     "Staff paste customer emails and contracts into public AI assistants.",
     "No policy on AI tools; no approved alternative.",
     "",
     ()),
    ("Unauthorised changes to signed contracts", COMPLIANCE, THOMAS, ("DocuSign",),
     (2, 3), (1, 3), (1, 3), OPEN, MIT,
     "A contract is altered after signing and the change is not noticed.",
     "Signed copies are stored in several places.",
     "DocuSign certificate of completion.",
     ()),
    ("Fake supplier bank details in procurement", FRAUD, THOMAS, ("Coupa Procurement", "SAP S/4HANA Finance"),
     (3, 3), (2, 3), (1, 2), OPEN, MIT,
     "A fraudster changes a supplier's bank account to their own.",
     "Supplier master data can be changed by the buyer who orders.",
     "Monthly review of master data changes.",
     ("Separate master data maintenance from purchasing",)),
    ("Mobile app leaks session tokens", CYBER, JONAS, ("GitHub Enterprise",),
     (2, 3), (2, 2), (1, 2), OPEN, MIT,
     "Malware on a customer's phone reads the app's tokens.",
     "Tokens are stored in plain app storage.",
     "Short token lifetime.",
     ("Store tokens in the platform keystore",)),
    ("SQL injection in the customer portal API", CYBER, MEI, (K8S, PG),
     (2, 4), (1, 4), (1, 3), OPEN, MIT,
     "An attacker reads the customer database through a vulnerable API endpoint.",
     "A few endpoints build SQL by hand.",
     "ORM for new code, yearly penetration test.",
     ("Replace hand-written SQL in the reporting endpoints",)),
    ("Vulnerable open-source dependencies in the product", CYBER, MEI, ("GitHub Enterprise", "SonarQube"),
     (4, 3), (3, 2), (2, 2), OPEN, MIT,
     "A known vulnerability in a library is exploited before we update.",
     "Dependency updates happen irregularly.",
     "Dependabot alerts on the main repositories.",
     ("Weekly dependency update rota", "Fail builds on critical vulnerabilities")),
    ("TLS certificates expire unnoticed", CONTINUITY, TOBIAS, ("Cloudflare",),
     (3, 2), (1, 2), (1, 2), CLOSED, MIT,
     "An expired certificate takes the shop or the API offline.",
     "Certificates were renewed by hand.",
     "Automatic renewal through Cloudflare and cert-manager.",
     ("Automate certificate renewal",)),
    ("DNS hijacking of the company domain", CYBER, TOBIAS, ("Cloudflare",),
     (1, 4), (1, 3), (1, 3), OPEN, MIT,
     "An attacker takes over the domain at the registrar and redirects mail and web traffic.",
     "The registrar account was shared by several people.",
     "Registrar lock, MFA on the registrar account.",
     ()),
    ("New cloud suppliers are not vetted", SUPPLIER, MARTA, ("Coupa Procurement",),
     (3, 3), (3, 2), (2, 2), OPEN, MIT,
     "A supplier with poor security gets access to our data.",
     "Security questions are not part of the purchasing process.",
     "Contract templates with security clauses.",
     ("Add a security questionnaire to Coupa",)),
    ("Personal data transferred outside the EU without safeguards", PRIVACY, HANA,
     ("Zendesk", "HubSpot Marketing", "Salesforce"),
     (3, 3), (2, 3), (1, 2), OPEN, MIT,
     "Sub-processors move data to third countries without standard contractual clauses.",
     "Sub-processor lists of our suppliers are not monitored.",
     "Standard contractual clauses with the main suppliers.",
     ("Transfer impact assessments for US suppliers",)),
    ("72-hour breach notification deadline missed", COMPLIANCE, LENA, (),
     (2, 4), (1, 3), (1, 3), OPEN, MIT,
     "A personal data breach is reported to the authority too late.",
     "Staff do not know whom to tell about a suspected breach.",
     "Incident process with the security officer on call.",
     ("Breach reporting training for team leads",)),
    ("Ransomware at the logistics partner interrupts deliveries", SUPPLIER, THOMAS, ("Coupa Procurement",),
     (2, 3), (2, 3), (2, 2), OPEN, TRA,
     "The logistics partner's systems are encrypted and shipments stop.",
     "A single logistics partner handles all deliveries.",
     "Business interruption insurance.",
     ("Contract a second logistics partner",)),
    ("USB sticks used to take data home", PRIVACY, ERIK, ("Microsoft Intune",),
     (3, 2), (1, 2), (1, 2), CLOSED, MIT,
     "Unencrypted USB sticks with company data get lost.",
     "USB storage was allowed on all laptops.",
     "USB storage blocked by Intune policy.",
     ("Block USB storage by policy",)),
    ("Copier hard disks keep scanned documents", PRIVACY, VIKTOR, (),
     (2, 2), (2, 2), (1, 1), DRAFT, MIT,
     "Leased copiers are returned with scanned contracts on their disks.",
     "Disk wiping is not part of the lease return.",
     "",
     ()),
    ("Payroll errors from manual data transfer", COMPLIANCE, PRIYA, ("Datev", "Workday"),
     (3, 2), (2, 2), (1, 1), OPEN, MIT,
     "Wrong salaries are paid after typing errors in the monthly transfer.",
     "Payroll changes are typed from Workday into Datev by hand.",
     "Second person checks the payroll run.",
     ("Automate the Workday to Datev interface",)),
    ("Stripe account takeover redirects payouts", FRAUD, PRIYA, ("Stripe",),
     (1, 4), (1, 3), (1, 3), OPEN, MIT,
     "An attacker changes the payout account in Stripe.",
     "Payout changes need only one approval.",
     "MFA on Stripe, payout change notifications.",
     ()),
    ("Support calls recorded without notice", COMPLIANCE, SOFIA, ("Zendesk",),
     (2, 2), (2, 2), (1, 1), DRAFT, MIT,
     "Callers are recorded without being told, against data protection law.",
     "The recording announcement is missing on the new phone line.",
     "",
     ()),
    ("Cyber insurance does not cover a ransomware loss", FRAUD, THOMAS, (),
     (2, 3), (2, 3), (1, 2), DRAFT, TRA,
     "After a ransomware attack the insurer refuses to pay.",
     "The policy's security requirements are not checked against reality.",
     "",
     ()),
    ("Stolen session cookies bypass MFA", CYBER, ARJUN, (OKTA, M365),
     (3, 4), (3, 3), (2, 2), OPEN, MIT,
     "Adversary-in-the-middle phishing steals session cookies after MFA.",
     "Sessions are not bound to managed devices.",
     "Okta MFA, impossible-travel alerts.",
     ("Require managed devices for M365", "Shorten session lifetime for admins")),
    ("Legacy FTP server for partner file exchange", CYBER, FELIX, (),
     (3, 3), (1, 1), (1, 1), CLOSED, AVO,
     "Partner credentials on the FTP server are sniffed and abused.",
     "The server used plain FTP and shared accounts.",
     "Server decommissioned; partners moved to SFTP in AWS.",
     ("Move partners to SFTP", "Decommission the FTP server")),
    ("Unreviewed changes to production", CYBER, OSKAR, ("GitHub Enterprise", K8S),
     (3, 3), (2, 2), (1, 2), OPEN, MIT,
     "A hasty change breaks production or opens a hole.",
     "Emergency changes bypass review and are not reviewed afterwards.",
     "GitOps deployment, review required on main.",
     ("Retrospective review of emergency changes",)),
    ("Privileged access to the data warehouse not reviewed", CYBER, RAFAEL, ("Snowflake Data Warehouse",),
     (3, 3), (2, 3), (1, 2), OPEN, MIT,
     "ACCOUNTADMIN rights stay with people who no longer need them.",
     "The warehouse is not part of the monthly privileged access review.",
     "SSO for Snowflake.",
     ("Add Snowflake to the privileged access review",)),
    ("Unlocked screens and papers on desks", PHYSICAL, VIKTOR, (),
     (3, 1), (2, 1), (2, 1), OPEN, MIT,
     "Visitors and cleaning staff read confidential papers and screens.",
     "No clear desk rule is enforced.",
     "Screen lock after 10 minutes.",
     ()),
    ("Guest Wi-Fi not separated from the office network", CYBER, ERIK, (),
     (2, 3), (1, 3), (1, 2), DRAFT, MIT,
     "A visitor on the guest Wi-Fi reaches internal services.",
     "Guest and office networks share a VLAN in the meeting rooms.",
     "",
     ()),
    ("Sales laptops without disk encryption on trade fairs", PRIVACY, MARCO, ("Microsoft Intune",),
     (3, 2), (2, 2), (1, 1), OPEN, MIT,
     "Demo laptops with customer data are stolen at a trade fair.",
     "Demo laptops are not enrolled in Intune.",
     "Demo accounts without customer data.",
     ("Enroll demo laptops in Intune",)),
    ("Customer support chat leaks other customers' data", PRIVACY, SOFIA, ("Zendesk",),
     (2, 3), (2, 2), (1, 2), OPEN, MIT,
     "An agent pastes the wrong customer's data into a chat.",
     "Macros fill in data from the last viewed ticket.",
     "Agent training, quality checks of a sample of chats.",
     ("Fix the macro to use the current ticket only",)),
    ("Key supplier of payment services goes out of business", SUPPLIER, PRIYA, ("Stripe",),
     (1, 3), (1, 3), (1, 2), OPEN, TRA,
     "The payment provider stops operating at short notice.",
     "No second payment provider is integrated.",
     "Contractual notice period.",
     ()),
)  # fmt: skip

ACCEPTANCES = {
    # title: (days until expiry, rationale)
    "Cloud region outage stops the platform": (
        12,
        "A second region would double hosting costs; a one-day outage a decade is accepted by management.",
    ),
    "CRM provider outage stops sales and support": (
        200,
        "Salesforce's availability record is better than anything we could build; weekly exports suffice.",
    ),
}
REQUESTED_ACCEPTANCE = (
    "Fire or water damage in the comms room",
    "Most services run in the cloud; the comms room only serves the office network and is insured.",
)
REVIEW_NOTES_LOWER = (
    "Planned controls are in place; likelihood lowered.",
    "Treatment actions done and verified; score lowered.",
    "Control tested in the last quarter and works; current score reduced.",
    "Re-assessed with the system owner after the changes went live.",
)
REVIEW_NOTES_SAME = (
    "No change: controls work as intended, nothing new observed.",
    "Reviewed with the owner; treatment still on track.",
    "No incidents since the last review; score unchanged.",
)


def _matrix(stdout) -> RiskMatrix | None:
    """The active matrix. The presets' data migration activates NIST SP 800-30; if nothing is active (a
    security officer removed it all), the presets are installed again and NIST activated, as on install.
    None means: no matrix to score on, so no risks."""
    matrix = RiskMatrix.objects.filter(is_active=True).first()
    if matrix is not None:
        return matrix
    created = install_presets(RiskMatrix)
    matrix = RiskMatrix.objects.filter(is_active=True).first()
    if matrix is not None:
        audit.record_seed(
            action="risk.matrix.seed",
            object_type="risk.riskmatrix",
            label=matrix.name,
            changes={"created": [row.name for row in created], "activated": matrix.name},
        )
        return matrix
    if stdout is not None:
        stdout.write("Risk register: no active risk matrix; no demo risks created. Activate a matrix first.")
    return None


def _scaled(score, matrix) -> tuple[int, int]:
    """A (likelihood, impact) on the 5-point scale of RISKS, on the active matrix's scales."""
    likelihood, impact = score
    size_l, size_i = len(matrix.likelihood_scale), len(matrix.impact_scale)
    return int(likelihood * (size_l - 1) / 4 + 0.5), int(impact * (size_i - 1) / 4 + 0.5)


def _categories() -> dict:
    existing = {category.name: category for category in RiskCategory.objects.filter(name__in=CATEGORIES)}
    new = [
        RiskCategory(name=name, description=text) for name, text in CATEGORIES.items() if name not in existing
    ]
    if new:
        RiskCategory.objects.bulk_create(new)
        audit.record_seed(
            action="risk.category.seed",
            object_type="risk.riskcategory",
            label=f"{len(new)} demo risk categories",
            changes={"created": [category.name for category in new]},
        )
    return {category.name: category for category in RiskCategory.objects.filter(name__in=CATEGORIES)}


def _at(day: datetime.date, rng=None) -> datetime.datetime:
    """A working-hours moment on ``day`` in the portal's time zone (late afternoon without ``rng``)."""
    moment = datetime.time(rng.randint(8, 16), rng.choice((0, 15, 30, 45))) if rng else datetime.time(17)
    return datetime.datetime.combine(day, moment, tzinfo=timezone.get_current_timezone())


def _interval(matrix, scores) -> int:
    return matrix.level(*scores)["review_days"]


def _history(rng, matrix, row, today) -> list[dict]:
    """1 to 4 reviews, oldest first, the current score stepping from the inherent score down to the risk's
    current score; the last one set the risk's next review date. Empty for drafts."""
    status, inherent, current, target = row["status"], row["inherent"], row["current"], row["target"]
    if status == DRAFT:
        return []
    wanted = rng.randint(2, 4) if status in (ACCEPTED, CLOSED) else rng.choices((1, 2, 3, 4), (1, 2, 3, 3))[0]
    if row["showcase"]:
        wanted = 4  # the first risks of the list show a full trend
    path = [
        tuple(
            round(start + (end - start) * step / wanted) for start, end in zip(inherent, current, strict=True)
        )
        for step in range(wanted + 1)
    ]
    # The last review: an interval before the next review date (closed risks: shortly before closing).
    last_day = row["closed_on"] - datetime.timedelta(days=rng.randint(1, 20)) if status == CLOSED else None
    if last_day is None:
        last_day = row["next_review_on"] - datetime.timedelta(days=_interval(matrix, current))
    days = [last_day]
    for step in range(wanted - 1, 0, -1):
        gap = _interval(matrix, path[step]) + rng.randint(-20, 10)
        earlier = days[0] - datetime.timedelta(days=gap)
        if (today - earlier).days > HISTORY_DAYS:
            break
        days.insert(0, earlier)
    path = path[-(len(days) + 1) :]
    reviews = []
    for index, day in enumerate(days):
        before, after = path[index], path[index + 1]
        scores = {"inherent": list(inherent), "target": list(target)}
        reviews.append(
            {
                "reviewed_at": _at(day, rng),
                "reviewer": row["owner"] if rng.random() < 0.7 else SECURITY_OFFICER,
                "before": {**scores, "current": list(before)},
                "after": {**scores, "current": list(after)},
                "level": matrix.level_index(*after),
                "notes": rng.choice(REVIEW_NOTES_LOWER if after != before else REVIEW_NOTES_SAME),
                "next_review_on": day + datetime.timedelta(days=_interval(matrix, after)),
            }
        )
    return reviews


def plan(*, matrix, today: datetime.date) -> list[dict]:
    """Every demo risk with its dates, scores and history, computed from names only (no ids)."""
    rng = random.Random(SEED)  # noqa: S311 - demo data, deterministic on purpose
    rows = []
    for number, spec in enumerate(RISKS):
        (title, category, owner, systems, inherent, current, target, status, treatment) = spec[:9]
        threat, vulnerability, controls, actions = spec[9:]
        row = {
            "title": title,
            "category": category,
            "owner": owner,
            "systems": systems,
            "inherent": _scaled(inherent, matrix),
            "current": _scaled(current, matrix),
            "target": _scaled(target, matrix),
            "status": status,
            "treatment": treatment,
            "threat": threat,
            "vulnerability": vulnerability,
            "controls": controls,
            "next_review_on": None,
            "closed_on": None,
            "showcase": number < SHOWCASE,
        }
        interval = _interval(matrix, row["current"])
        if status == CLOSED:
            row["closed_on"] = today - datetime.timedelta(days=rng.randint(20, 200))
        elif status in (OPEN, ACCEPTED):
            # Every seventh risk overdue, every sixth due within two weeks, the rest later.
            if number % 7 == 3:
                row["next_review_on"] = today - datetime.timedelta(days=rng.randint(1, 45))
            elif number % 6 == 1:
                row["next_review_on"] = today + datetime.timedelta(days=rng.randint(0, 14))
            else:
                row["next_review_on"] = today + datetime.timedelta(
                    days=rng.randint(15, max(interval - 10, 16))
                )
        row["reviews"] = _history(rng, matrix, row, today)
        first = row["reviews"][0]["reviewed_at"].date() if row["reviews"] else today
        created_on = first - datetime.timedelta(
            days=rng.randint(7, 60) if row["reviews"] else rng.randint(1, 20)
        )
        row["created_at"] = _at(created_on, rng)
        row["actions"] = _actions(rng, row, actions, today, created_on)
        rows.append(row)
    return rows


def _actions(rng, row, titles, today, created_on) -> list[dict]:
    """Closed risks' actions are done; open ones' a mix of done, in progress, due later and overdue."""
    planned = []
    for title in titles:
        roll = rng.random()
        if row["status"] == CLOSED or roll < 0.25:
            due = min(created_on + datetime.timedelta(days=rng.randint(30, 120)), today)
            done = min(due - datetime.timedelta(days=rng.randint(0, 14)), today - datetime.timedelta(days=1))
            planned.append({"title": title, "due_on": due, "status": ActionStatus.DONE, "done_on": done})
        elif roll < 0.45:  # overdue: still open after its due date
            due = today - datetime.timedelta(days=rng.randint(3, 60))
            status = ActionStatus.OPEN if roll < 0.38 else ActionStatus.IN_PROGRESS
            planned.append({"title": title, "due_on": due, "status": status, "done_on": None})
        else:
            due = today + datetime.timedelta(days=rng.randint(7, 150))
            status = ActionStatus.IN_PROGRESS if roll < 0.75 else ActionStatus.OPEN
            planned.append({"title": title, "due_on": due, "status": status, "done_on": None})
    return planned


def _take_references(count: int) -> list[str]:
    """The next ``count`` references, as every new risk takes them: the counter row is locked so two
    writers cannot hand out the same number."""
    RiskCounter.objects.bulk_create([RiskCounter(pk=1)], ignore_conflicts=True)
    counter = RiskCounter.objects.select_for_update().get(pk=1)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"R-{number:03d}" for number in range(first, first + count)]


def _risks(rows, users, matrix, categories, systems) -> list[Risk]:
    officer = users[SECURITY_OFFICER]
    references = _take_references(len(rows))
    risks = []
    for reference, row in zip(references, rows, strict=True):
        last_review = row["reviews"][-1]["reviewed_at"] if row["reviews"] else row["created_at"]
        closed_at = _at(row["closed_on"]) if row["closed_on"] else None
        target = row["target"]
        risks.append(
            Risk(
                reference=reference,
                title=row["title"],
                description=f"{row['threat']} {row['vulnerability']}",
                category=categories[row["category"]],
                owner=users.get(row["owner"], officer),
                threat=row["threat"],
                vulnerability=row["vulnerability"],
                existing_controls=row["controls"],
                matrix=matrix,
                inherent_likelihood=row["inherent"][0],
                inherent_impact=row["inherent"][1],
                current_likelihood=row["current"][0],
                current_impact=row["current"][1],
                target_likelihood=target[0],
                target_impact=target[1],
                treatment=row["treatment"],
                status=row["status"],
                next_review_on=row["next_review_on"],
                created_by=officer,
                created_at=row["created_at"],
                updated_at=closed_at or last_review,
                closed_at=closed_at,
            )
        )
    Risk.objects.bulk_create(risks)
    saved = {risk.title: risk for risk in Risk.objects.filter(reference__in=references)}
    links = [
        Risk.systems.through(risk_id=saved[row["title"]].pk, system_id=systems[name].pk)
        for row in rows
        for name in row["systems"]
        if name in systems
    ]
    Risk.systems.through.objects.bulk_create(links)
    by_status = {status: sum(row["status"] == status for row in rows) for status in RiskStatus.values}
    audit.record_seed(
        action="risk.risk.seed",
        object_type="risk.risk",
        label=f"{len(rows)} demo risks",
        changes={
            "created": len(rows),
            "references": [references[0], references[-1]],
            "by_status": by_status,
            "system_links": len(links),
            "matrix": matrix.name,
        },
    )
    return [saved[row["title"]] for row in rows]


def _history_rows(rows, risks, users) -> int:
    officer = users[SECURITY_OFFICER]
    assessments = [
        RiskAssessment(
            risk=risk,
            reviewed_by=users.get(review["reviewer"], officer),
            reviewed_at=review["reviewed_at"],
            before=review["before"],
            after=review["after"],
            current_level_index=review["level"],
            notes=review["notes"],
            next_review_on=review["next_review_on"],
        )
        for row, risk in zip(rows, risks, strict=True)
        for review in row["reviews"]
    ]
    if assessments:
        RiskAssessment.objects.bulk_create(assessments)
        audit.record_seed(
            action="risk.assessment.seed",
            object_type="risk.riskassessment",
            label=f"{len(assessments)} demo risk reviews",
            changes={"created": len(assessments), "risks": len({a.risk_id for a in assessments})},
        )
    return len(assessments)


def _action_rows(rows, risks, users, today) -> int:
    actions = [
        TreatmentAction(
            risk=risk,
            title=action["title"],
            owner=risk.owner,
            due_on=action["due_on"],
            status=action["status"],
            completed_at=_at(action["done_on"]) if action["done_on"] else None,
            created_at=risk.created_at,
        )
        for row, risk in zip(rows, risks, strict=True)
        for action in row["actions"]
    ]
    if actions:
        TreatmentAction.objects.bulk_create(actions)
        overdue = sum(action.is_open and action.due_on < today for action in actions)
        audit.record_seed(
            action="risk.action.seed",
            object_type="risk.treatmentaction",
            label=f"{len(actions)} demo treatment actions",
            changes={"created": len(actions), "overdue": overdue},
        )
    return len(actions)


def _acceptance_rows(risks, users, matrix, today) -> int:
    by_title = {risk.title: risk for risk in risks}
    officer, admin = users[SECURITY_OFFICER], users.get(ADMIN)
    acceptances = []
    for title, (days, rationale) in ACCEPTANCES.items():
        risk = by_title.get(title)
        if risk is None:
            continue
        above = risk.current_level["above_appetite"]
        approved_at = risk.updated_at
        acceptances.append(
            RiskAcceptance(
                risk=risk,
                requested_by=risk.owner,
                requested_at=approved_at - datetime.timedelta(days=3),
                rationale=rationale,
                expires_on=today + datetime.timedelta(days=days),
                above_appetite=above,
                status=AcceptanceStatus.APPROVED,
                officer_approved_by=officer,
                officer_approved_at=approved_at - datetime.timedelta(days=1),
                admin_approved_by=admin if above else None,
                admin_approved_at=approved_at if above else None,
                decided_at=approved_at,
            )
        )
    title, rationale = REQUESTED_ACCEPTANCE
    risk = by_title.get(title)
    if risk is not None:
        acceptances.append(
            RiskAcceptance(
                risk=risk,
                requested_by=risk.owner,
                requested_at=timezone.now() - datetime.timedelta(days=2),
                rationale=rationale,
                expires_on=today + datetime.timedelta(days=330),
                above_appetite=risk.current_level["above_appetite"],
                status=AcceptanceStatus.REQUESTED,
            )
        )
    if acceptances:
        RiskAcceptance.objects.bulk_create(acceptances)
        audit.record_seed(
            action="risk.acceptance.seed",
            object_type="risk.riskacceptance",
            label=f"{len(acceptances)} demo risk acceptances",
            changes={
                "created": len(acceptances),
                "approved": sum(a.status == AcceptanceStatus.APPROVED for a in acceptances),
                "requested": sum(a.status == AcceptanceStatus.REQUESTED for a in acceptances),
            },
        )
    return len(acceptances)


@transaction.atomic
def seed_risk_demo(*, stdout=None) -> dict:
    """The ``seed_demo`` seeder of the risk app. Returns what it created."""
    from access.models import System

    users = {user.full_name: user for user in User.objects.people().filter(email__endswith=f"@{DOMAIN}")}
    if SECURITY_OFFICER not in users:
        return {}  # not the demo organisation: nobody to own the risks
    matrix = _matrix(stdout)
    if matrix is None:
        return {}
    today = timezone.localdate()
    existing = set(Risk.objects.filter(title__in=[spec[0] for spec in RISKS]).values_list("title", flat=True))
    rows = [row for row in plan(matrix=matrix, today=today) if row["title"] not in existing]
    rows.sort(key=lambda row: row["created_at"])  # older risks carry lower references
    if not rows:
        if stdout is not None:
            stdout.write("Risk register: the demo risks exist already; nothing changed.")
        return {"risks": 0, "reviews": 0, "actions": 0, "acceptances": 0}
    categories = _categories()
    names = {name for row in rows for name in row["systems"]}
    systems = {system.name: system for system in System.objects.filter(name__in=names)}
    risks = _risks(rows, users, matrix, categories, systems)  # in the order of rows
    created = {
        "risks": len(risks),
        "reviews": _history_rows(rows, risks, users),
        "actions": _action_rows(rows, risks, users, today),
        "acceptances": _acceptance_rows(risks, users, matrix, today),
    }
    if stdout is not None:
        stdout.write(
            f"Risk register: {created['risks']} demo risks with {created['reviews']} reviews, "
            f"{created['actions']} treatment actions and {created['acceptances']} acceptances "
            f"on the matrix “{matrix.name}”."
        )
    return created
