"""Published test cases of email-typo libraries: the misspelt domain, the domain each library's
tests expect as its fix, and the real domains they expect left alone. Facts from their test
files (no code); used by tests/test_email_typo_cases.py and benchmarks/email_typos.py.

Only cases where the domain itself is misspelt are kept (a stray dot in the local part, upper
case or "mailto:" are other checks). Gmail under .co.uk is left out: Google does not give
out gmail.co.uk addresses, so "fixing" to it is not a fix.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Library:
    name: str
    source: str
    fixes: tuple[tuple[str, str], ...]  # (misspelt domain, the domain meant)
    keeps: tuple[str, ...] = ()  # real domains the library's tests expect unchanged


def _pairs(expected: str, typos: str) -> tuple[tuple[str, str], ...]:
    return tuple((t, expected) for t in typos.split())


MAILCHECK = Library(
    "mailcheck.js",
    "github.com/mailcheck/mailcheck spec/mailcheckSpec.js (suggest cases, findClosestDomain)",
    (
        ("emaildomain.con", "emaildomain.com"),
        ("emaildomain.co", "emaildomain.com"),
        ("gmail.con", "gmail.com"),
        ("gnail.con", "gmail.com"),
        ("#gmail.com", "gmail.com"),
        ("comcast.com", "comcast.net"),
        ("homail.con", "hotmail.com"),
        ("hotmail.co", "hotmail.com"),
        ("fabecook.com", "facebook.com"),
        ("yajoo.com", "yahoo.com"),
        ("randomsmallcompany.cmo", "randomsmallcompany.com"),
        ("gmaik.com", "gmail.com"),
    ),
    ("kicksend.com", "yahoo.com.tw"),
)

PYMAILCHECK = Library(
    "pymailcheck (Python port)",
    "github.com/mailcheck/pymailcheck tests/test_pymailcheck.py",
    (
        ("gmailc.om", "gmail.com"),
        ("emaildomain.co", "emaildomain.com"),
        ("gmail.con", "gmail.com"),
        ("gnail.con", "gmail.com"),
        ("#gmail.com", "gmail.com"),
        ("comcast.nry", "comcast.net"),
        ("homail.con", "hotmail.com"),
        ("hotmail.co", "hotmail.com"),
        ("yajoo.com", "yahoo.com"),
        ("randomsmallcompany.cmo", "randomsmallcompany.com"),
        ("yahooo.cmo", "yahoo.com"),
        ("gmaik.com", "gmail.com"),
        ("hotmial.com", "hotmail.com"),
        ("tahoo.com", "yahoo.com"),
        ("outllok.com", "outlook.com"),
        ("livr.com", "live.com"),
    ),
    ("kicksend.com", "yahoo.co.uk", "gmx.fr"),
)

ZOOTOOLS = Library(
    "@zootools/email-spell-checker",
    "github.com/ZooTools/email-spell-checker test/index.spec.ts",
    (
        ("gmail.co", "gmail.com"),
        ("emaildomain.con", "emaildomain.com"),
        ("gmal.com", "gmail.com"),
        ("yaho.com", "yahoo.com"),
        ("zopo.com", "zoho.com"),
        ("gmaik.com", "gmail.com"),
        ("emaildoman.com", "emaildomain.com"),
        ("hotmial.com", "hotmail.com"),
        ("tahoo.com", "yahoo.com"),
        ("livr.com", "live.com"),
        ("outllok.com", "outlook.com"),
    ),
    ("kicksend.com", "google.com", "gmail.com"),
)

EMAIL_MISSPELLED = Library(
    "email-misspelled",
    "github.com/julien-amblard/email-misspelled packages/email-misspelled/__tests__/"
    "email-checker.test.ts",
    (
        ("gmail.co", "gmail.com"),
        ("gmail.c", "gmail.com"),
        ("gmal.com", "gmail.com"),
        ("gmial.com", "gmail.com"),
        ("gmiol.com", "gmail.com"),
        ("outlook.co", "outlook.com"),
        ("outlook.c", "outlook.com"),
        ("outloo.com", "outlook.com"),
        ("oultook.com", "outlook.com"),
        ("ootlook.com", "outlook.com"),
        ("ootlook.co", "outlook.com"),
    ),
    ("nothing.com", "gmail.com", "outlook.com"),
)

EMAIL_TYPO = Library(
    "email_typo (Ruby)",
    "github.com/fnando/email_typo test/email_typo_test.rb",
    _pairs(
        "gmail.com",
        "gamil.com gmaal.com gmai.com gmaii.com gmail.net gmailc.om gmaill.com gmal.com "
        "gmali.com gmaol.com gmaul.com gmial.com gmil.com gmila.com gmsil.com gnail.com",
    )
    + _pairs(
        "googlemail.com",
        "gogglemaii.com gogglemail.com gogolemail.com googlemail.co goooglemail.com "
        "googleamil.com googlemaal.com googlemai.com googlemaii.com googlemailc.om "
        "googlemaill.com googlemal.com googlemali.com googlemial.com googlemil.com "
        "googlemila.com googlenail.com goooglemail.net",
    )
    + _pairs(
        "yahoo.com",
        "aho.com ahoo.com yaho.com yahooo.com yhao.com yhaoo.com yho.com yhooo.com yao.com "
        "yaooo.com yahooc.om yahoo.co uahoo.com",
    )
    + _pairs(
        "hotmail.com",
        "hotamail.com htmail.com hotmaill.com hotmaik.com hoymail.com hptmail.com "
        "htomali.com homtail.com hotmail.co hitmail.com hotnail.com",
    )
    + _pairs("aol.com", "ail.cm ao.com aol.cm aol.co aol.net ol.com")
    + _pairs(
        "example.com",
        "example.c0m example.clom example.cm example.cmo example.coim example.cok "
        "example.colm example.comj example.comm example.comme example.comn example.con "
        "example.conm example.coom example.copm example.cpm example.ocm example.om "
        "example.vom example.xom example.fom example.ckm examplec.om",
    )
    + _pairs("example.net", "example.nt example.ne example.et example.nte example.nett")
    + _pairs("example.org", "example.or example.og example.ogr example.orgg")
    + _pairs("example.co.jp", "example.co.lp example.cojp")
    + _pairs("verizon.net", "veizon.net verion.net verzon.net")
    + _pairs("icloud.com", "icoud.com icloud.co icloud.net")
    + _pairs("outlook.com", "outloo.com outlook.co outlook.net")
    + _pairs(
        "comcast.net", "comacast.net comcastn.et comcastt.net comcat.net concast.net cmcast.net"
    ),
    (
        "anything.comcast.com",
        "anything.comcastbiz.net",
        "aol.com",
        "army.mil",
        "att.net",
        "example.cn",
        "example.co",
        "example.com.co",
        "example.coop",
        "example.gr",
        "facebook.com",
        "gao.gov",
        "gm.com",
        "gmx.com",
        "googlemail.com",
        "hotmail.co.uk",
        "live.com",
        "mac.com",
        "mail.com",
        "me.com",
        "msn.com",
        "ya.ru",
        "yahoo.co.uk",
        "ymail.com",
        "gial.edu",
    ),
)

CORRECT_EMAIL_TYPOS = Library(
    "correct_email_typos",
    "github.com/charliepark/correct_email_typos src/correctEmailTypos.test.js",
    _pairs(
        "gmail.com",
        "gmai.com gmaii.com gmal.com gmaal.com gmaol.com gmaul.com gmil.com gmsil.com "
        "gmial.com gmali.com gmila.com gmaill.com gamil.com gnail.com gmailc.om gmail.comm "
        "gmail.net",
    )
    + _pairs(
        "googlemail.com",
        "googlemai.com googlemaii.com googlemal.com googlemaal.com googlemil.com "
        "googlemial.com googlemali.com googlemila.com googlemaill.com googleamil.com "
        "googlenail.com googlemailc.om gogglemaii.com gogglemail.com gogolemail.com "
        "goooglemail.com goooglemail.net",
    )
    + _pairs(
        "yahoo.com",
        "aho.com ahoo.com uahoo.com yaho.com yahooo.com yhao.com yhaoo.com yho.com yhooo.com "
        "yao.com yaooo.com yahooc.om yahoo.co yahoo.net",
    )
    + _pairs(
        "hotmail.com",
        "hotamail.com htmail.com hotmaill.com hotmaik.com hoymail.com hptmail.com "
        "hitmail.com hotnail.com htomali.com homtail.com hotmail.co hotmail.net hotmail.vcom",
    )
    + _pairs("aol.com", "aol.cm ail.cm ol.com ao.com aol.co aol.net")
    + _pairs(
        "comcast.net", "comacast.net comcastn.et comcastt.net comcat.net concast.net cmcast.net"
    )
    + _pairs("sbcglobal.net", "sbcgloball.net sbcgloba.net sbcglobl.net sbcgobal.net sbglobal.net")
    + _pairs("icloud.com", "icoud.com icloud.co icloud.net iclod.com iclud.com icld.com")
    + _pairs("outlook.com", "outloo.com outlook.co outlook.net")
    + _pairs("verizon.net", "veizon.net verion.net verzon.net")
    + _pairs(
        "something.com",
        "somethingc.om something.coom something.comm something.comme something.cmo "
        "something.cm something.om something.c0m something.coim something.cok something.colm "
        "something.clom something.comj something.comn something.con something.conm "
        "something.copm something.cpm something.ckm something.ocm something.vom something.xom "
        "something.fom something.vcom something.xcom",
    )
    + _pairs(
        "something.net",
        "something.nt something.ne something.et something.nte something.nett",
    )
    + _pairs("something.org", "something.or something.og something.ogr something.orgg")
    + _pairs("something.co.jp", "something.co.lp something.cojp"),
    (
        "gm.com",
        "gmail.com",
        "gmx.com",
        "gao.gov",
        "gial.edu",
        "googlemail.com",
        "something.cn",
        "something.com.co",
        "something.co",
        "something.gr",
        "something.coop",
        "aol.com",
        "att.net",
        "facebook.com",
        "hotmail.co.uk",
        "live.com",
        "mac.com",
        "mail.com",
        "me.com",
        "msn.com",
        "yahoo.co.uk",
        "ya.ru",
        "ymail.com",
        "army.mil",
        "anything.comcast.com",
        "anything.comcastbiz.net",
        "dogmail.net",
        "engaol.net",
    ),
)

LIBRARIES = (MAILCHECK, PYMAILCHECK, ZOOTOOLS, EMAIL_MISSPELLED, EMAIL_TYPO, CORRECT_EMAIL_TYPOS)

#: Misses of the issue that filed this work (issue 22), with the fix each must get, and
#: domains that must stay as they are.
ISSUE_FIXES = (
    ("gmail.net", "gmail.com"),
    ("outlook.net", "outlook.com"),
    ("yao.com", "yahoo.com"),
    ("gmila.com", "gmail.com"),
    ("htomali.com", "hotmail.com"),
    ("gnail.con", "gmail.com"),
    ("gmial.com", "gmail.com"),
    ("gmail.con", "gmail.com"),
    ("hotmial.com", "hotmail.com"),
    ("yaho.com", "yahoo.com"),
)
ISSUE_KEEPS = ("123.com", "gm.com")
