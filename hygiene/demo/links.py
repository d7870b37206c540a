"""Truth between the two exports, read off the finished tables: who is in both, consent
conflicts, bounced addresses the CRM still holds, and records missing on one side.

Rules (each pair is a CRM row and an audience member of the same person):
- `link.consent_conflict` on the CRM row when the member is unsubscribed or cleaned and the
  row is still marketable ("Marketing contact" and not "Unsubscribed from all email");
  on the member when it is subscribed and the row is unsubscribed from all email.
- `link.status_mismatch` on the CRM row when the member is cleaned (the address bounced).
- `link.orphan` on every member whose person has no CRM row, and on every marketable CRM
  row with an address whose person is not in the audience.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from . import vec
from .crm import MARKETING, Crm
from .esp import Esp
from .members import CLEANED, STATUSES, SUBSCRIBED, UNSUBSCRIBED
from .truth import Recorder


def link_truth(crm: Crm, esp: Esp, rec: Recorder) -> pd.DataFrame:
    """Record the link defects; return the links as (group, source, idx) rows."""
    m = esp.members
    t = crm.table
    marketing = pc.equal(t.columns["Marketing contact status"], MARKETING)
    unsub_np = vec.mask(pc.equal(t.columns["Unsubscribed from all email"], "true"))
    marketable = vec.mask(marketing) & ~unsub_np
    has_email = vec.mask(pc.is_valid(t.columns["Email"]))

    rows = pd.DataFrame({"person": crm.person, "crm": np.arange(len(crm.person))})
    mem = pd.DataFrame({"person": m.person, "esp": np.arange(len(m)), "status": m.status})
    pairs = rows.merge(mem, on="person", how="inner").sort_values(["crm", "esp"])
    c, e, s = (pairs[k].to_numpy() for k in ("crm", "esp", "status"))

    opted_out = (s == UNSUBSCRIBED) | (s == CLEANED)
    hit = opted_out & marketable[c]
    rec.add("crm", c[hit], "link.consent_conflict", "marketable", "Marketing contact status",
            [MARKETING] * int(hit.sum()), related=("esp", e[hit]))
    hit = (s == SUBSCRIBED) & unsub_np[c]
    rec.add("esp", e[hit], "link.consent_conflict", "email_status", None,
            [STATUSES[SUBSCRIBED]] * int(hit.sum()), related=("crm", c[hit]))
    hit = s == CLEANED
    emails = t.get("Email", c[hit])
    rec.add("crm", c[hit], "link.status_mismatch", "email", "Email", emails,
            related=("esp", e[hit]))

    n_people = int(max(crm.person.max(initial=-1), m.person.max(initial=-1))) + 1
    has_crm = np.zeros(n_people, dtype=bool)
    has_crm[crm.person] = True
    has_esp = np.zeros(n_people, dtype=bool)
    has_esp[m.person] = True
    lonely = np.flatnonzero(~has_crm[m.person])
    rec.add("esp", lonely, "link.orphan", "email", "Email Address",
            esp.table.get("Email Address", lonely))
    lonely = np.flatnonzero(~has_esp[crm.person] & marketable & has_email)
    rec.add("crm", lonely, "link.orphan", "email", "Email", t.get("Email", lonely))

    linked = has_crm & has_esp
    person = np.concatenate([crm.person, m.person])
    is_esp = np.repeat([False, True], [len(crm.person), len(m)])
    idx = np.concatenate([np.arange(len(crm.person)), np.arange(len(m))])
    keep = linked[person]
    person, is_esp, idx = person[keep], is_esp[keep], idx[keep]
    order = np.lexsort((idx, is_esp, person))
    person, is_esp, idx = person[order], is_esp[order], idx[order]
    starts = np.r_[True, person[1:] != person[:-1]] if len(person) else np.zeros(0, bool)
    return pd.DataFrame({"group": np.cumsum(starts), "source": np.where(is_esp, "esp", "crm"),
                         "idx": idx})
