"""Countries, cities, postcodes and phone plans for the sample data.

Hand-written (no dependency ships city/postcode/area-code tables): each city carries real
postcode shapes and area codes, so leading zeros (US 02134, DE 01067, ES 08001, AU 0800)
and per-country phone formats come out as real exports show them. Templates use `#` for
any digit, `n` for 2-9, `p` for 1-5, `q` for 2-4 and `a` for a postcode letter (see
`vec.CLASSES`); a space in a phone template separates the groups that formats re-join
with their own separator.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    """A city with the shapes of its postcodes and phone numbers."""

    country: str
    name: str
    state: str  # the code HubSpot users type (MA, ON, NSW), "" where nobody fills it
    postcodes: tuple[str, ...]
    phones: tuple[str, ...]  # national significant number templates, area code first
    lat: float
    lon: float
    tz: str


@dataclass(frozen=True)
class PhoneFormat:
    """How a person writes a number: prefix + open + group0 + close + sep0 + rest (sep)."""

    prefix: str
    open: str = ""
    close: str = ""
    sep0: str = " "
    sep: str = " "


@dataclass(frozen=True)
class Country:
    """Country-level conventions: names, dialling code, formats, mail providers."""

    code: str
    name: str  # the spelling HubSpot's country picker writes
    weight: float
    calling_code: str
    formats: tuple[PhoneFormat, ...]
    mobiles: tuple[str, ...]
    freemail: tuple[str, ...]
    tld: str
    legal_forms: tuple[str, ...]
    streets: tuple[str, ...]
    number_first: bool  # "12 High Street" (True) or "Hauptstraße 12" (False)
    variants: tuple[str, ...]  # other spellings seen in the same column


_NANP = (
    PhoneFormat("", "(", ")", " ", "-"),
    PhoneFormat("", "", "", "-", "-"),
    PhoneFormat("", "", "", ".", "."),
    PhoneFormat("+1 ", "", "", " ", " "),
    PhoneFormat("", "", "", "", ""),
    PhoneFormat("+1 ", "(", ")", " ", "-"),
    PhoneFormat("1-", "", "", "-", "-"),
)

COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        Country(
            "US", "United States", 0.55, "1", _NANP, (),
            ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "icloud.com",
             "comcast.net", "att.net"),
            "com", ("Inc.", "LLC", "Corp.", "Co.", "Inc."),
            ("Main St", "Oak Ave", "Maple Street", "Washington Blvd", "Park Avenue",
             "Elm St", "Cedar Lane", "Lake Shore Dr", "Market St", "Broadway", "2nd Ave",
             "Sunset Blvd", "Pine Street", "Highland Ave", "Commonwealth Ave"),
            True,
            ("USA", "U.S.", "US", "united states", "United States of America", "U.S.A.",
             "America"),
        ),
        Country(
            "GB", "United Kingdom", 0.12, "44",
            (PhoneFormat("0"), PhoneFormat("+44 "), PhoneFormat("+44 (0)"),
             PhoneFormat("0", sep0="", sep="")),
            ("7400 ######", "7800 ######", "7412 ######", "7523 ######", "7824 ######",
             "7956 ######"),
            ("gmail.com", "hotmail.co.uk", "yahoo.co.uk", "btinternet.com", "outlook.com",
             "sky.com", "icloud.com"),
            "co.uk", ("Ltd", "Limited", "PLC", "Ltd."),
            ("High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane",
             "Park Road", "London Road", "King Street", "Queen's Road", "The Green"),
            True,
            ("UK", "England", "Great Britain", "U.K.", "united kingdom", "GB", "Britain"),
        ),
        Country(
            "CA", "Canada", 0.07, "1", _NANP, (),
            ("gmail.com", "hotmail.com", "yahoo.ca", "outlook.com", "shaw.ca", "rogers.com"),
            "ca", ("Inc.", "Ltd.", "Corp.", "Ltée"),
            ("King St W", "Yonge St", "Queen St E", "Rue Sainte-Catherine", "Robson St",
             "Jasper Ave", "Bank St", "Granville St"),
            True,
            ("canada", "CA", "CAN", "CANADA"),
        ),
        Country(
            "DE", "Germany", 0.06, "49",
            (PhoneFormat("0"), PhoneFormat("+49 "), PhoneFormat("0", sep0="/", sep=""),
             PhoneFormat("(0", "", ")", " ", ""), PhoneFormat("+49 (0)"),
             PhoneFormat("0", sep0="-", sep="")),
            ("151 ########", "152 ########", "157 ########", "160 #######", "176 ########",
             "178 ########"),
            ("gmail.com", "gmx.de", "web.de", "t-online.de", "yahoo.de", "outlook.de"),
            "de", ("GmbH", "AG", "GmbH & Co. KG", "UG"),
            ("Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schillerstraße", "Goethestraße",
             "Lindenstraße", "Friedrichstraße", "Kirchweg", "Am Markt", "Berliner Allee"),
            False,
            ("Deutschland", "germany", "DE", "GER", "Federal Republic of Germany"),
        ),
        Country(
            "FR", "France", 0.05, "33",
            (PhoneFormat("0"), PhoneFormat("+33 "), PhoneFormat("0", sep0=".", sep="."),
             PhoneFormat("0", sep0="", sep="")),
            ("6 1# ## ## ##", "6 2# ## ## ##", "6 7# ## ## ##", "7 8# ## ## ##"),
            ("gmail.com", "orange.fr", "free.fr", "laposte.net", "hotmail.fr", "sfr.fr",
             "yahoo.fr"),
            "fr", ("SAS", "SA", "SARL", "SASU"),
            ("rue de la Paix", "avenue des Champs-Élysées", "rue Victor Hugo",
             "boulevard Haussmann", "rue de la République", "place Bellecour",
             "rue du Faubourg Saint-Honoré", "avenue Jean Jaurès"),
            True,
            ("france", "FR", "FRA", "FRANCE"),
        ),
        Country(
            "AU", "Australia", 0.05, "61",
            (PhoneFormat("(0", "", ")", " ", " "), PhoneFormat("0"), PhoneFormat("+61 "),
             PhoneFormat("0", sep0="", sep="")),
            ("412 ### ###", "400 ### ###", "421 ### ###", "438 ### ###", "450 ### ###"),
            ("gmail.com", "bigpond.com", "hotmail.com", "outlook.com", "yahoo.com.au",
             "optusnet.com.au"),
            "com.au", ("Pty Ltd", "Pty. Ltd.", "Limited"),
            ("George St", "Collins St", "Queen St", "Bourke St", "Pitt St", "Elizabeth St",
             "Hay St", "Murray St"),
            True,
            ("australia", "AU", "AUS", "Aus"),
        ),
        Country(
            "NL", "Netherlands", 0.04, "31",
            (PhoneFormat("0"), PhoneFormat("+31 "), PhoneFormat("0", sep0="-", sep=""),
             PhoneFormat("+31 (0)")),
            ("6 p#######",),
            ("gmail.com", "hotmail.com", "ziggo.nl", "kpnmail.nl", "outlook.com", "live.nl"),
            "nl", ("B.V.", "BV", "N.V."),
            ("Keizersgracht", "Herengracht", "Prinsengracht", "Kalverstraat", "Stationsplein",
             "Damrak", "Coolsingel", "Oudegracht"),
            False,
            ("Holland", "The Netherlands", "netherlands", "NL", "Nederland"),
        ),
        Country(
            "ES", "Spain", 0.03, "34",
            (PhoneFormat(""), PhoneFormat("+34 "), PhoneFormat("0034 "),
             PhoneFormat("", sep0="", sep="")),
            ("612 ### ###", "620 ### ###", "655 ### ###", "690 ### ###", "722 ### ###"),
            ("gmail.com", "hotmail.es", "yahoo.es", "outlook.es", "telefonica.net"),
            "es", ("S.L.", "S.A.", "SL"),
            ("Calle Mayor", "Gran Vía", "Calle de Alcalá", "Paseo de Gracia",
             "Avenida Diagonal", "Calle Serrano", "Calle Colón"),
            False,
            ("España", "spain", "ES", "ESP", "Espana"),
        ),
        Country(
            "IN", "India", 0.03, "91",
            (PhoneFormat("0"), PhoneFormat("+91 "), PhoneFormat("+91-", "", "", "-", "-"),
             PhoneFormat("", sep0="", sep="")),
            ("98### #####", "99### #####", "97### #####", "88### #####", "70### #####"),
            ("gmail.com", "yahoo.co.in", "rediffmail.com", "hotmail.com", "outlook.com"),
            "in", ("Pvt. Ltd.", "Private Limited", "Ltd."),
            ("MG Road", "Brigade Road", "Linking Road", "Park Street", "Anna Salai",
             "Connaught Place", "FC Road", "Banjara Hills Road"),
            True,
            ("india", "IN", "IND", "INDIA"),
        ),
    )
}


CITIES: tuple[City, ...] = (
    # United States: ZIP codes with leading zeros in New England and New Jersey.
    City("US", "Boston", "MA", ("021##",), ("617 n## ####", "857 n## ####"),
         42.36, -71.06, "America/New_York"),
    City("US", "Cambridge", "MA", ("0213#", "0214#"), ("617 n## ####",),
         42.37, -71.11, "America/New_York"),
    City("US", "New York", "NY", ("100##",), ("212 n## ####", "646 n## ####", "917 n## ####"),
         40.71, -74.01, "America/New_York"),
    City("US", "Brooklyn", "NY", ("112##",), ("718 n## ####", "347 n## ####"),
         40.68, -73.94, "America/New_York"),
    City("US", "Newark", "NJ", ("071##",), ("973 n## ####", "862 n## ####"),
         40.74, -74.17, "America/New_York"),
    City("US", "Hartford", "CT", ("061##",), ("860 n## ####",),
         41.76, -72.68, "America/New_York"),
    City("US", "Philadelphia", "PA", ("191##",), ("215 n## ####", "267 n## ####"),
         39.95, -75.17, "America/New_York"),
    City("US", "Chicago", "IL", ("606##",), ("312 n## ####", "773 n## ####"),
         41.88, -87.63, "America/Chicago"),
    City("US", "Austin", "TX", ("787##",), ("512 n## ####", "737 n## ####"),
         30.27, -97.74, "America/Chicago"),
    City("US", "Dallas", "TX", ("752##",), ("214 n## ####", "469 n## ####"),
         32.78, -96.8, "America/Chicago"),
    City("US", "Houston", "TX", ("770##",), ("713 n## ####", "832 n## ####"),
         29.76, -95.37, "America/Chicago"),
    City("US", "Denver", "CO", ("802##",), ("303 n## ####", "720 n## ####"),
         39.74, -104.99, "America/Denver"),
    City("US", "Phoenix", "AZ", ("850##",), ("602 n## ####", "480 n## ####"),
         33.45, -112.07, "America/Phoenix"),
    City("US", "Seattle", "WA", ("981##",), ("206 n## ####",),
         47.61, -122.33, "America/Los_Angeles"),
    City("US", "Portland", "OR", ("972##",), ("503 n## ####", "971 n## ####"),
         45.52, -122.68, "America/Los_Angeles"),
    City("US", "San Francisco", "CA", ("941##",), ("415 n## ####", "628 n## ####"),
         37.77, -122.42, "America/Los_Angeles"),
    City("US", "Los Angeles", "CA", ("900##",), ("213 n## ####", "310 n## ####", "323 n## ####"),
         34.05, -118.24, "America/Los_Angeles"),
    City("US", "San Diego", "CA", ("921##",), ("619 n## ####", "858 n## ####"),
         32.72, -117.16, "America/Los_Angeles"),
    City("US", "San Jose", "CA", ("951##",), ("408 n## ####", "669 n## ####"),
         37.34, -121.89, "America/Los_Angeles"),
    City("US", "Miami", "FL", ("331##",), ("305 n## ####", "786 n## ####"),
         25.76, -80.19, "America/New_York"),
    City("US", "Atlanta", "GA", ("303##",), ("404 n## ####", "678 n## ####"),
         33.75, -84.39, "America/New_York"),
    City("US", "Minneapolis", "MN", ("554##",), ("612 n## ####",),
         44.98, -93.27, "America/Chicago"),
    City("US", "Nashville", "TN", ("372##",), ("615 n## ####",),
         36.16, -86.78, "America/Chicago"),
    City("US", "Raleigh", "NC", ("276##",), ("919 n## ####",),
         35.78, -78.64, "America/New_York"),
    City("US", "Columbus", "OH", ("432##",), ("614 n## ####",),
         39.96, -83.0, "America/New_York"),
    City("US", "Salt Lake City", "UT", ("841##",), ("801 n## ####",),
         40.76, -111.89, "America/Denver"),
    # United Kingdom: nobody fills the state; outward code + inward code.
    City("GB", "London", "", ("EC1V #aa", "SW1A #aa", "N1 #aa", "E14 #aa", "SE1 #aa", "W1D #aa"),
         ("20 7### ####", "20 8### ####", "20 3### ####"),
         51.51, -0.13, "Europe/London"),
    City("GB", "Manchester", "", ("M1 #aa", "M4 #aa", "M15 #aa"), ("161 n## ####",),
         53.48, -2.24, "Europe/London"),
    City("GB", "Birmingham", "", ("B1 #aa", "B15 #aa"), ("121 q## ####",),
         52.49, -1.89, "Europe/London"),
    City("GB", "Leeds", "", ("LS1 #aa", "LS6 #aa"), ("113 q## ####",),
         53.8, -1.55, "Europe/London"),
    City("GB", "Glasgow", "", ("G1 #aa", "G12 #aa"), ("141 n## ####",),
         55.86, -4.25, "Europe/London"),
    City("GB", "Edinburgh", "", ("EH1 #aa", "EH3 #aa"), ("131 q## ####",),
         55.95, -3.19, "Europe/London"),
    City("GB", "Bristol", "", ("BS1 #aa", "BS8 #aa"), ("117 q## ####", "117 9## ####"),
         51.45, -2.59, "Europe/London"),
    # Canada: provinces as codes.
    City("CA", "Toronto", "ON", ("M5V #a#", "M4W #a#", "M6K #a#"), ("416 n## ####", "647 n## ####"),
         43.65, -79.38, "America/Toronto"),
    City("CA", "Vancouver", "BC", ("V6B #a#", "V5K #a#"), ("604 n## ####", "778 n## ####"),
         49.28, -123.12, "America/Vancouver"),
    City("CA", "Montréal", "QC", ("H2X #a#", "H3B #a#"), ("514 n## ####", "438 n## ####"),
         45.5, -73.57, "America/Toronto"),
    City("CA", "Calgary", "AB", ("T2P #a#", "T3A #a#"), ("403 n## ####", "587 n## ####"),
         51.05, -114.07, "America/Edmonton"),
    City("CA", "Ottawa", "ON", ("K1P #a#", "K2B #a#"), ("613 n## ####",),
         45.42, -75.7, "America/Toronto"),
    City("CA", "Halifax", "NS", ("B3H #a#", "B3J #a#"), ("902 n## ####",),
         44.65, -63.58, "America/Halifax"),
    # Germany: Dresden and Leipzig have PLZ starting with 0.
    City("DE", "Berlin", "", ("10###", "12###", "13###"), ("30 n#######",),
         52.52, 13.4, "Europe/Berlin"),
    City("DE", "München", "", ("80###", "81###"), ("89 n#######", "89 n######"),
         48.14, 11.58, "Europe/Berlin"),
    City("DE", "Hamburg", "", ("20###", "22###"), ("40 n#######",),
         53.55, 9.99, "Europe/Berlin"),
    City("DE", "Köln", "", ("50###", "51###"), ("221 n######",),
         50.94, 6.96, "Europe/Berlin"),
    City("DE", "Frankfurt am Main", "", ("60###",), ("69 n#######",),
         50.11, 8.68, "Europe/Berlin"),
    City("DE", "Dresden", "", ("010##", "011##"), ("351 n######",),
         51.05, 13.74, "Europe/Berlin"),
    City("DE", "Leipzig", "", ("041##", "043##"), ("341 n######",),
         51.34, 12.37, "Europe/Berlin"),
    City("DE", "Stuttgart", "", ("70###",), ("711 n######",),
         48.78, 9.18, "Europe/Berlin"),
    # France: Nice has 06xxx.
    City("FR", "Paris", "", ("7500#", "7501#"), ("1 4# ## ## ##", "1 5# ## ## ##"),
         48.86, 2.35, "Europe/Paris"),
    City("FR", "Lyon", "", ("6900#",), ("4 7# ## ## ##",),
         45.76, 4.84, "Europe/Paris"),
    City("FR", "Marseille", "", ("130##",), ("4 9# ## ## ##",),
         43.3, 5.37, "Europe/Paris"),
    City("FR", "Toulouse", "", ("310##", "315##"), ("5 6# ## ## ##",),
         43.6, 1.44, "Europe/Paris"),
    City("FR", "Bordeaux", "", ("330##",), ("5 5# ## ## ##",),
         44.84, -0.58, "Europe/Paris"),
    City("FR", "Lille", "", ("590##",), ("3 2# ## ## ##",),
         50.63, 3.06, "Europe/Paris"),
    City("FR", "Nice", "", ("060##",), ("4 9# ## ## ##",),
         43.7, 7.27, "Europe/Paris"),
    # Australia: states as codes; Darwin's postcodes start with 0.
    City("AU", "Sydney", "NSW", ("20##",), ("2 9### ####", "2 8### ####"),
         -33.87, 151.21, "Australia/Sydney"),
    City("AU", "Melbourne", "VIC", ("30##",), ("3 9### ####", "3 8### ####"),
         -37.81, 144.96, "Australia/Melbourne"),
    City("AU", "Brisbane", "QLD", ("40##",), ("7 3### ####",),
         -27.47, 153.03, "Australia/Brisbane"),
    City("AU", "Perth", "WA", ("60##",), ("8 92## ####", "8 94## ####"),
         -31.95, 115.86, "Australia/Perth"),
    City("AU", "Adelaide", "SA", ("50##",), ("8 8### ####",),
         -34.93, 138.6, "Australia/Adelaide"),
    City("AU", "Canberra", "ACT", ("26##",), ("2 6### ####",),
         -35.28, 149.13, "Australia/Sydney"),
    City("AU", "Darwin", "NT", ("080#", "081#"), ("8 89## ####",),
         -12.46, 130.84, "Australia/Darwin"),
    # Netherlands: "1012 AB".
    City("NL", "Amsterdam", "", ("10## aa",), ("20 n## ####",),
         52.37, 4.9, "Europe/Amsterdam"),
    City("NL", "Rotterdam", "", ("30## aa",), ("10 n## ####",),
         51.92, 4.48, "Europe/Amsterdam"),
    City("NL", "Utrecht", "", ("35## aa",), ("30 n## ####",),
         52.09, 5.12, "Europe/Amsterdam"),
    City("NL", "Den Haag", "", ("25## aa",), ("70 n## ####",),
         52.08, 4.3, "Europe/Amsterdam"),
    City("NL", "Eindhoven", "", ("56## aa",), ("40 n## ####",),
         51.44, 5.47, "Europe/Amsterdam"),
    # Spain: Barcelona has 08xxx.
    City("ES", "Madrid", "", ("280##",), ("91n ### ###",),
         40.42, -3.7, "Europe/Madrid"),
    City("ES", "Barcelona", "", ("080##",), ("93n ### ###",),
         41.39, 2.17, "Europe/Madrid"),
    City("ES", "Valencia", "", ("460##",), ("96n ### ###",),
         39.47, -0.38, "Europe/Madrid"),
    City("ES", "Sevilla", "", ("410##",), ("95n ### ###",),
         37.39, -5.98, "Europe/Madrid"),
    City("ES", "Bilbao", "", ("480##",), ("94n ### ###",),
         43.26, -2.93, "Europe/Madrid"),
    # India: six-digit PIN codes.
    City("IN", "New Delhi", "", ("1100##",), ("11 q### ####",),
         28.61, 77.21, "Asia/Kolkata"),
    City("IN", "Mumbai", "", ("4000##",), ("22 q### ####",),
         19.08, 72.88, "Asia/Kolkata"),
    City("IN", "Bengaluru", "", ("5600##",), ("80 n### ####",),
         12.97, 77.59, "Asia/Kolkata"),
    City("IN", "Chennai", "", ("6000##",), ("44 q### ####",),
         13.08, 80.27, "Asia/Kolkata"),
    City("IN", "Hyderabad", "", ("5000##",), ("40 q### ####",),
         17.39, 78.49, "Asia/Kolkata"),
    City("IN", "Pune", "", ("4110##",), ("20 q### ####",),
         18.52, 73.86, "Asia/Kolkata"),
)

#: Spellings of provinces and states beside the code, for `field.inconsistent` defects
#: (US ones come from the `us` package's names and AP abbreviations).
STATE_VARIANTS: dict[str, tuple[str, ...]] = {
    "ON": ("Ontario", "Ont."),
    "BC": ("British Columbia", "B.C."),
    "QC": ("Quebec", "Québec", "Que."),
    "AB": ("Alberta", "Alta."),
    "NS": ("Nova Scotia", "N.S."),
    "NSW": ("New South Wales", "N.S.W."),
    "VIC": ("Victoria", "Vic."),
    "QLD": ("Queensland", "Qld"),
    "WA": ("Western Australia",),
    "SA": ("South Australia",),
    "ACT": ("Australian Capital Territory",),
    "NT": ("Northern Territory",),
}
