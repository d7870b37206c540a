"""Vocabularies of the sample exports: companies, titles, HubSpot and Mailchimp values,
and the defects that real exports carry (typo domains, placeholders, role mailboxes ...).

Hand-written: these are the values the platforms and their users write, which no library
lists (HubSpot's property labels, Mailchimp's unsubscribe reasons, common domain typos).
"""

from __future__ import annotations

COMPANY_STEMS = (
    "Acme", "Globex", "Initech", "Northwind", "Contoso", "Fabrikam", "Tailspin", "Wingtip",
    "Litware", "Proseware", "Adventure Works", "Blue Harbor", "Summit", "Pinecrest",
    "Redwood", "Silverline", "Brightpath", "Clearwater", "Ironbridge", "Lakeside",
    "Meridian", "Northstar", "Oakridge", "Pioneer", "Quantum", "Riverbend", "Stonegate",
    "Sunrise", "Trident", "Vanguard", "Westfield", "Apex", "Beacon", "Cascade", "Crescent",
    "Evergreen", "Falcon", "Granite", "Horizon", "Keystone", "Lighthouse", "Maplewood",
    "Nimbus", "Orchid", "Paragon", "Polaris", "Sapphire", "Sterling", "Tidewater",
    "Unity", "Vertex", "Willow", "Zenith", "Aurora", "Bluebird", "Copperleaf", "Driftwood",
    "Emberline", "Foxglove", "Goldcrest", "Hawthorne", "Ivy Lane", "Juniper", "Kestrel",
    "Larkspur", "Moonstone", "Nettlefield", "Orion", "Peregrine", "Quarry Hill", "Ravenwood",
    "Saltmarsh", "Thornbury", "Upland", "Valemont", "Whitecliff", "Yellowstone", "Alder",
    "Birchwood", "Cobalt", "Delta", "Echo", "Fjord", "Gemini", "Harbor Light", "Indigo",
    "Jetstream", "Kinetic", "Lumen", "Momentum", "Nova", "Optima", "Pulse", "Radiant",
    "Solstice", "Terra", "Ultra", "Vista", "Waypoint", "Xenon", "Yarrow", "Zephyr",
    "Bluewater", "Crossroads", "Fairview", "Greenleaf", "Highpoint", "Ironwood",
    "Kingsbridge", "Longview", "Millbrook", "Newhaven", "Oakmont", "Parkside", "Rockport",
    "Seabright", "Timberline", "Valley Forge", "Wolfsburg", "Brightwater", "Starling",
)

INDUSTRIES = (
    "Logistics", "Software", "Analytics", "Consulting", "Foods", "Health", "Energy",
    "Labs", "Media", "Systems", "Partners", "Manufacturing", "Dental", "Realty",
    "Financial", "Robotics", "Marketing", "Engineering", "Solutions", "Technologies",
    "Outdoors", "Apparel", "Pharma", "Insurance", "Capital", "Design", "Networks",
    "Security", "Travel", "Interactive",
)

#: How people expand or reword a legal form when they type a company again.
LEGAL_FORM_VARIANTS: dict[str, tuple[str, ...]] = {
    "Inc.": ("Incorporated", "Inc", ", Inc.", ""),
    "LLC": ("L.L.C.", "llc", ""),
    "Corp.": ("Corporation", "Corp", ""),
    "Co.": ("Company", "& Co.", ""),
    "Ltd": ("Limited", "Ltd.", ""),
    "Ltd.": ("Limited", "Ltd", ""),
    "Limited": ("Ltd", "Ltd.", ""),
    "PLC": ("plc", "Public Limited Company", ""),
    "GmbH": ("G.m.b.H.", "Gmbh", ""),
    "AG": ("Aktiengesellschaft", ""),
    "GmbH & Co. KG": ("GmbH & Co KG", ""),
    "UG": ("UG (haftungsbeschränkt)", ""),
    "SAS": ("S.A.S.", ""),
    "SA": ("S.A.", ""),
    "SARL": ("S.A.R.L.", "Sàrl", ""),
    "SASU": ("S.A.S.U.", ""),
    "Pty Ltd": ("Pty. Ltd.", "Proprietary Limited", ""),
    "Pty. Ltd.": ("Pty Ltd", ""),
    "B.V.": ("BV", "B.V", ""),
    "BV": ("B.V.", ""),
    "N.V.": ("NV", ""),
    "S.L.": ("SL", "Sociedad Limitada", ""),
    "S.A.": ("SA", "Sociedad Anónima", ""),
    "SL": ("S.L.", ""),
    "Pvt. Ltd.": ("Private Limited", "Pvt Ltd", ""),
    "Private Limited": ("Pvt. Ltd.", ""),
    "Ltée": ("Limitée", ""),
}

JOB_TITLES = (
    "Marketing Manager", "Director of Marketing", "VP of Sales", "Sales Manager",
    "Account Executive", "Chief Executive Officer", "CEO", "CFO", "Chief Technology Officer",
    "Software Engineer", "Senior Software Engineer", "Product Manager", "Office Manager",
    "Operations Manager", "HR Manager", "Head of Growth", "Marketing Coordinator",
    "Customer Success Manager", "Business Development Representative", "Founder",
    "Co-Founder", "Owner", "Managing Director", "Finance Director", "Procurement Manager",
    "IT Manager", "Data Analyst", "Consultant", "Project Manager", "Executive Assistant",
    "Purchasing Agent", "Brand Manager", "Content Strategist", "Controller",
    "General Manager", "Practice Manager", "Head of Operations", "Growth Marketer",
)

LIFECYCLE_STAGES = (
    "Subscriber", "Lead", "Marketing Qualified Lead", "Sales Qualified Lead", "Opportunity",
    "Customer", "Evangelist", "Other",
)
LIFECYCLE_WEIGHTS = (0.18, 0.34, 0.14, 0.07, 0.06, 0.16, 0.02, 0.03)

#: How stages are spelt when a list is imported from a spreadsheet instead of picked.
LIFECYCLE_VARIANTS: dict[str, tuple[str, ...]] = {
    "Subscriber": ("subscriber", "SUBSCRIBER", "Subscribed"),
    "Lead": ("lead", "LEAD", "Leads"),
    "Marketing Qualified Lead": ("MQL", "marketing qualified lead", "Marketing-Qualified Lead",
                                 "mql"),
    "Sales Qualified Lead": ("SQL", "sales qualified lead", "Sales-Qualified Lead"),
    "Opportunity": ("opportunity", "Opp", "OPPORTUNITY"),
    "Customer": ("customer", "CUSTOMER", "Customers"),
    "Evangelist": ("evangelist", "Promoter"),
    "Other": ("other", "OTHER"),
}

LEAD_STATUSES = (
    "New", "Open", "In Progress", "Open Deal", "Unqualified", "Attempted to Contact",
    "Connected", "Bad Timing",
)
LEAD_STATUS_WEIGHTS = (0.24, 0.16, 0.14, 0.06, 0.12, 0.14, 0.09, 0.05)

ORIGINAL_SOURCES = (
    "Organic Search", "Paid Search", "Direct Traffic", "Social Media", "Email Marketing",
    "Referrals", "Offline Sources", "Paid Social", "Other Campaigns",
)
ORIGINAL_SOURCE_WEIGHTS = (0.26, 0.14, 0.17, 0.1, 0.08, 0.09, 0.12, 0.03, 0.01)

#: Domain misspellings seen in sign-up forms, by the domain meant.
TYPO_DOMAINS: dict[str, tuple[str, ...]] = {
    "gmail.com": ("gmial.com", "gmail.con", "gmal.com", "gmai.com", "gnail.com", "gmail.co",
                  "gamil.com"),
    "hotmail.com": ("hotmial.com", "hotmail.con", "hotmal.com", "hotnail.com"),
    "yahoo.com": ("yaho.com", "yahooo.com", "yahoo.con", "yhoo.com"),
    "outlook.com": ("outlok.com", "outlook.con", "outloook.com"),
    "icloud.com": ("iclod.com", "icloud.con", "icoud.com"),
    "aol.com": ("aol.con", "aoll.com"),
    "comcast.net": ("comcast.ner", "comcats.net"),
    "hotmail.co.uk": ("hotmail.co.uj", "hotmial.co.uk"),
    "yahoo.co.uk": ("yahoo.co.ukk", "yaho.co.uk"),
    "btinternet.com": ("btinternt.com", "btinternet.con"),
    "gmx.de": ("gmx.dee", "gmxx.de"),
    "web.de": ("wep.de", "web.dr"),
}

#: Throw-away mailbox providers (each is on the disposable-email-domains blocklist).
DISPOSABLE_DOMAINS = (
    "mailinator.com", "10minutemail.com", "guerrillamail.com", "yopmail.com",
    "trashmail.com", "sharklasers.com", "temp-mail.org", "getnada.com", "dispostable.com",
    "maildrop.cc",
)

ROLE_LOCALS = (
    "info", "sales", "admin", "support", "contact", "office", "hello", "marketing",
    "billing", "team",
)

PLACEHOLDER_FIRST_NAMES = ("Test", "asdf", "xxx", "N/A", "Test", "TBD")
PLACEHOLDER_LAST_NAMES = ("Test", "User", "asdf", "xxx", "Lastname")
PLACEHOLDER_EMAILS = (
    "test@test.com", "asdf@asdf.com", "noemail@noemail.com", "none@none.com",
    "test@example.com", "na@na.com",
)
PLACEHOLDER_PHONES = ("1234567890", "123-456-7890", "0000000000", "555-555-5555")

#: Text users type into phone fields that is no number at all.
NON_NUMBERS = ("call after 5pm", "ask reception", "ext. 204", "same as mobile")

TAGS = (
    "Newsletter", "Customer", "VIP", "Webinar 2024", "Lead Magnet", "Event Attendee",
    "Trial", "Product Updates", "Black Friday 2024", "Partner", "Churned",
)

CAMPAIGN_TITLES = (
    "Spring Newsletter 2024", "Product Update - March", "Black Friday Early Access",
    "Webinar Invite: Data Quality 101", "Summer Sale 2024", "Monthly Digest #42",
    "Year in Review 2024", "New Feature Launch", "Customer Survey Q3", "Re-engagement",
)

UNSUB_REASONS = (
    "I no longer want to receive these emails",
    "I never signed up for this mailing list",
    "The emails are inappropriate",
    "The emails are spam and should be reported",
    "Other (fill in reason below)",
)
UNSUB_REASON_WEIGHTS = (0.62, 0.12, 0.04, 0.07, 0.15)
UNSUB_OTHER = ("Too many emails", "Not relevant to me anymore", "Changed jobs", "Moving on")

NOTES = ("Met at SaaStr 2024", "Asked for pricing", "Prefers phone", "Imported from event list")

#: Mailchimp's star rating of engagement; most members sit at 2 stars.
MAILCHIMP_MEMBER_RATINGS = (1, 2, 3, 4, 5)
MAILCHIMP_RATING_WEIGHTS = (0.08, 0.52, 0.2, 0.12, 0.08)
