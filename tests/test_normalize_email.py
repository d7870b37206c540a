import pandas as pd
import pytest

from hygiene.normalize import normalize_email

N = None


@pytest.mark.parametrize(
    ("raw", "email", "local", "domain", "key"),
    [
        (
            " John.Doe@Gmail.COM ",
            "john.doe@gmail.com",
            "john.doe",
            "gmail.com",
            "johndoe@gmail.com",
        ),
        (
            "j.o.h.n+news@googlemail.com",
            "j.o.h.n+news@googlemail.com",
            "j.o.h.n+news",
            "googlemail.com",
            "john@gmail.com",
        ),
        ("ann+promo@acme.com", "ann+promo@acme.com", "ann+promo", "acme.com", "ann@acme.com"),
        ("mailto:x@y.com", "x@y.com", "x", "y.com", "x@y.com"),
        ("MAILTO:Bob@Example.org", "bob@example.org", "bob", "example.org", "bob@example.org"),
        ("Ann <ann@x.org>", "ann@x.org", "ann", "x.org", "ann@x.org"),
        ('"Lee, Ann" <Ann.Lee@X.org>', "ann.lee@x.org", "ann.lee", "x.org", "ann.lee@x.org"),
        (
            "user@bücher.de",
            "user@xn--bcher-kva.de",
            "user",
            "xn--bcher-kva.de",
            "user@xn--bcher-kva.de",
        ),
        (
            "j.doe+x@Outlook.com",
            "j.doe+x@outlook.com",
            "j.doe+x",
            "outlook.com",
            "j.doe@outlook.com",
        ),
        ("j.doe@hotmail.com", "j.doe@hotmail.com", "j.doe", "hotmail.com", "j.doe@hotmail.com"),
        ("ann@x.org;", "ann@x.org", "ann", "x.org", "ann@x.org"),
        ('"ann@x.org"', "ann@x.org", "ann", "x.org", "ann@x.org"),
        ("'ann@x.org' ,", "ann@x.org", "ann", "x.org", "ann@x.org"),
        ("<ann@x.org>;", "ann@x.org", "ann", "x.org", "ann@x.org"),
        # Unpaired quotes and brackets stay, so the address reads as malformed (isemail's
        # ISEMAIL_ERR_UNCLOSEDQUOTEDSTR; python-email-validator's "<me@example.com> !").
        ('"test@iana.org', '"test@iana.org', '"test', "iana.org", '"test@iana.org'),
        ("<me@example.com> !", "<me@example.com> !", "<me", "example.com> !", "<me@example.com> !"),
        ("<ann@x.org", "<ann@x.org", "<ann", "x.org", "<ann@x.org"),
        ("a@b@c.com", "a@b@c.com", "a@b", "c.com", "a@b@c.com"),
        ("+tag@x.com", "+tag@x.com", "+tag", "x.com", "+tag@x.com"),
        ("johndoe.gmail.com", "johndoe.gmail.com", N, N, N),
        ("ann@", "ann@", "ann", N, N),
        ("@x.com", "@x.com", N, "x.com", N),
        ("N/A", N, N, N, N),
    ],
)
def test_normalize_email(raw, email, local, domain, key):
    out = normalize_email(pd.Series([raw], index=[42]))
    assert list(out.columns) == ["email", "local", "domain", "key"]
    assert out.index.tolist() == [42]
    got = [None if pd.isna(v) else v for v in out.iloc[0].tolist()]
    assert got == [email, local, domain, key]


def test_same_person_same_key():
    s = pd.Series(["John.Doe@gmail.com", "johndoe+crm@googlemail.com", "JOHN.DOE@GMAIL.COM"])
    assert normalize_email(s)["key"].nunique() == 1


def test_missing_rows_stay_missing():
    out = normalize_email(pd.Series([None, "a@b.co"], index=[3, 1]))
    assert out.loc[3].isna().all()
    assert out.loc[1, "email"] == "a@b.co"


@pytest.mark.parametrize("wrapped", ['"{}"', "'{}'", "<{}>", "Ann Lee <{}>", " {} ;", "mailto:{}"])
@pytest.mark.parametrize("address", ["ann@x.org", "first.last+tag@sub.example.co.uk"])
def test_paired_wrappers_come_off(wrapped, address):
    out = normalize_email(pd.Series([wrapped.format(address)]))
    assert out["email"].iloc[0] == address
