"""Header lists of real platform exports, each with the public source it was taken from.

Facts only (which headers an export carries, in which order); the tests build their fixture
files from these lists. Where two sources disagree on spelling, both variants are kept.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Export:
    platform: str
    headers: tuple[str, ...]
    #: Where the header list comes from (public repository code or a platform's help page).
    source: str
    #: The header holding the email address (None: the export has none).
    email: str | None


def _h(text: str) -> tuple[str, ...]:
    return tuple(h.strip() for h in text.split("|"))


EXPORTS: dict[str, Export] = {
    # A people-import script over a Pipedrive people export ("people-23955722-71.csv") reads
    # these columns by name (public GitHub code, found searching for
    # "City/town/village/locality of Postal address"); the issue's own list starts the same.
    "pipedrive-people": Export(
        "pipedrive",
        _h("ID|Name|First name|Last name|Organization|Email - Work|Email - Home|Email - Other|"
           "Phone - Work|Phone - Home|Phone - Mobile|Phone - Other|Job title|Labels|"
           "Full/combined address of Postal address|Street/road name of Postal address|"
           "House number of Postal address|Apartment/suite no of Postal address|"
           "City/town/village/locality of Postal address|State/county of Postal address|"
           "Region of Postal address|Country of Postal address|"
           "ZIP/Postal code of Postal address|Latitude of Postal address|"
           "Longitude of Postal address|Birthday|Notes|LinkedIn profile|Marketing status|"
           "Double opt-in|Open deals|Won deals|Lost deals|Closed deals|Total activities|"
           "Done activities|Activities to do|Email messages count|Next activity date|"
           "Last activity date|Last email received|Last email sent"),
        "Pipedrive people export as read by a public re-import script (GitHub code search: "
        "row['City/town/village/locality of Postal address'], row['Email - Work'])",
        "Email - Work",
    ),
    # A vitest case "detects a real Pipedrive Persons export with split email/phone columns"
    # of a public CSV-import preset library.
    "pipedrive-persons-prefixed": Export(
        "pipedrive",
        _h("Person - Name|Person - Email - Work|Person - Email - Home|Person - Email - Other|"
           "Person - Organization|Person - Open deals|Person - Last activity date|"
           "Person - Owner|Person - Phone - Work|Person - Phone - Home|Person - Phone - Mobile|"
           "Person - Phone - Other"),
        "detectPreset test 'Pipedrive Persons export with split email/phone columns' "
        "(public GitHub import-preset tests)",
        "Person - Email - Work",
    ),
    # The header comment of a public Ruby script that merges a Mailchimp unsubscribed export.
    "mailchimp-unsubscribed": Export(
        "mailchimp",
        _h("Email Address|Name|ZIP code|Help time|Country|UNSUB_CAMPAIGN_ID|UNSUB_REASON|"
           "UNSUB_TIME|UNSUB_CAMPAIGN_TITLE|UNSUB_CAMPAIGN_ID|UNSUB_REASON|UNSUB_REASON_OTHER|"
           "MailChimp Integration|Languages|Help Location|MEMBER_RATING|OPTIN_TIME|OPTIN_IP|"
           "CONFIRM_TIME|CONFIRM_IP|LATITUDE|LONGITUDE|GMTOFF|DSTOFF|TIMEZONE|CC|REGION|"
           "LAST_CHANGED|LEID|EUID|NOTES"),
        "comment '# Mailchimp CSV headers:' in a public Ruby contact-merge script",
        "Email Address",
    ),
    # Mailchimp's own member export with the default merge fields (Mailchimp Help, "Export
    # your audience": subscribed / unsubscribed / cleaned files in one ZIP); the cleaned file
    # adds CLEAN_TIME, CLEAN_CAMPAIGN_TITLE, CLEAN_CAMPAIGN_ID.
    "mailchimp-cleaned": Export(
        "mailchimp",
        _h("Email Address|First Name|Last Name|Address|Phone Number|Birthday|MEMBER_RATING|"
           "OPTIN_TIME|OPTIN_IP|CONFIRM_TIME|CONFIRM_IP|LATITUDE|LONGITUDE|GMTOFF|DSTOFF|"
           "TIMEZONE|CC|REGION|CLEAN_TIME|CLEAN_CAMPAIGN_TITLE|CLEAN_CAMPAIGN_ID|LEID|EUID|"
           "NOTES|TAGS"),
        "Mailchimp Help 'Export your audience' (cleaned_members_export columns); the same "
        "status columns a public Supabase migration keeps per Mailchimp file",
        "Email Address",
    ),
    # HubSpot's contact property labels, as a public HubSpot properties dump lists them:
    # hs_email_optout_<id> is labelled "Opted out of email: <subscription type>".
    "hubspot-all-properties": Export(
        "hubspot",
        _h("Record ID|First Name|Last Name|Email|Phone Number|Company Name|Lifecycle Stage|"
           "Contact owner|Create Date|Last Activity Date|Marketing contact status|"
           "Unsubscribed from all email|Opted out of email: Marketing Information|"
           "Opted out of email: One to One|Number of times contacted|"
           "Number of Sales Activities|Associated Deals|Marketing emails delivered|"
           "Email Domain|State/Region|Job Title"),
        "HubSpot contact property labels (hs_email_optout_<id>: 'Opted out of email: "
        "Marketing Information', 'Opted out of email: One to One') in public property dumps",
        "Email",
    ),
    # HubSpot's default contacts view export (Contacts > Export > "Properties in your view").
    "hubspot-default-view": Export(
        "hubspot",
        _h("Record ID|First Name|Last Name|Email|Phone Number|Contact owner|"
           "Associated Company|Last Activity Date|Lead Status|Marketing contact status|"
           "Create Date"),
        "HubSpot's default contacts view columns as the project's earlier tests list them "
        "(not re-checked against a public export this round)",
        "Email",
    ),
    # A public Laravel command writing a Zoho CRM contacts import in Zoho's export layout.
    "zoho-contacts": Export(
        "zoho",
        _h("Contact Owner.id|Contact Owner|First Name|Last Name|Account Name.id|Account Name|"
           "Email|Title|Phone|Mobile|Created By.id|Created By|Modified By.id|Modified By|"
           "Created Time|Modified Time|Contact Name|Mailing Street|Mailing City|Mailing State|"
           "Mailing Zip|Mailing Country|Email Opt Out|Salutation|Last Activity Time"),
        "'Zoho CSV headers' list of a public Laravel export command",
        "Email",
    ),
    # A public Python cleaner of a Zoho contacts export drops these columns by name.
    "zoho-contacts-unsubscribe": Export(
        "zoho",
        _h("Contact Id|Contact Owner.id|Contact Name|Created By.id|Created By|Modified By.id|"
           "Modified By|Modified Time|Company Name.id|Secondary Email|Company Name|"
           "Unsubscribed Mode|Unsubscribed Time|Data Source|First Name|Last Name|Email|"
           "Email Opt Out"),
        "DROP_COLUMNS of a public Python Zoho-to-Twenty people converter",
        "Email",
    ),
    # Salesforce Lead object fields (SOAP API Developer Guide, "Lead"), as Data Loader
    # exports them by API name.
    "salesforce-leads-dataloader": Export(
        "salesforce",
        _h("Id|IsDeleted|LastName|FirstName|Salutation|Name|Title|Company|Street|City|State|"
           "PostalCode|Country|Phone|MobilePhone|Email|Website|LeadSource|Status|Industry|"
           "Rating|OwnerId|HasOptedOutOfEmail|IsConverted|ConvertedContactId|CreatedDate|"
           "LastModifiedDate|EmailBouncedReason|EmailBouncedDate"),
        "Salesforce SOAP API Developer Guide, Lead object field list",
        "Email",
    ),
    # Salesforce Contact object fields (SOAP API Developer Guide, "Contact").
    "salesforce-contacts-dataloader": Export(
        "salesforce",
        _h("Id|IsDeleted|AccountId|LastName|FirstName|Salutation|Name|MailingStreet|"
           "MailingCity|MailingState|MailingPostalCode|MailingCountry|Phone|MobilePhone|"
           "Email|Title|LeadSource|Birthdate|OwnerId|HasOptedOutOfEmail|CreatedDate|"
           "LastModifiedDate|IsEmailBounced|EmailBouncedReason|EmailBouncedDate"),
        "Salesforce SOAP API Developer Guide, Contact object field list",
        "Email",
    ),
    # A Salesforce "Contacts & Accounts" report export (field labels).
    "salesforce-contacts-report": Export(
        "salesforce",
        _h("Contact ID|Salutation|First Name|Last Name|Title|Account Name|Mailing Street|"
           "Mailing City|Mailing State/Province|Mailing Zip/Postal Code|Mailing Country|"
           "Phone|Mobile|Email|Email Opt Out|Email Bounced Reason|Lead Source|Contact Owner|"
           "Created Date"),
        "Salesforce Help, standard Contact field labels of the 'Contacts & Accounts' report",
        "Email",
    ),
    "salesforce-leads-report": Export(
        "salesforce",
        _h("Lead ID|First Name|Last Name|Title|Company / Account|Street|City|State/Province|"
           "Zip/Postal Code|Country|Phone|Mobile|Email|Email Opt Out|Lead Source|Lead Status|"
           "Lead Owner|Rating|Created Date"),
        "Salesforce Help, standard Lead field labels of the 'Leads' report",
        "Email",
    ),
    # Klaviyo "Export list to CSV" (Klaviyo Help, "How to export a list or segment").
    "klaviyo-list": Export(
        "klaviyo",
        _h("Email|Klaviyo ID|First Name|Last Name|Organization|Title|Phone Number|Address|"
           "Address 2|City|State / Region|Country|Zip Code|Latitude|Longitude|Source|"
           "IP Address|Email Marketing Consent|Email Marketing Consent Timestamp|"
           "First Active|Last Active|Profile Created On|Date Added"),
        "Klaviyo list export columns as the project's earlier tests list them (not re-checked "
        "against a public export this round)",
        "Email",
    ),
    # ActiveCampaign Contacts > Export. The contact's bounced_hard / bounced_soft counts and the
    # list status (0 unconfirmed, 1 subscribed, 2 unsubscribed, 3 bounced) are the API fields
    # an ActiveCampaign community answer lists; the export's labels are the project's own.
    "activecampaign-contacts": Export(
        "activecampaign",
        _h("Contact ID|Email|First Name|Last Name|Phone|Account|Tags|Date Created|"
           "Date Updated|IP|Bounce Hard|Bounce Soft|Last Engaged|Status"),
        "ActiveCampaign community 'Retrieve opt-ins, opt-outs or bounces' (bounced_hard, "
        "bounced_soft, status) for the fields; export labels not re-checked this round",
        "Email",
    ),
}


def write_export(path: Path, headers: tuple[str, ...], rows: list[dict[str, str]]) -> Path:
    """A CSV with `headers` and `rows` (cells by header; missing cells empty)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for row in rows:
            w.writerow([row.get(h, "") for h in headers])
    return path
