"""The whole-source facts a clean plans block by block with (the Spark engine's groups):
`whole_counts` summed over any split of a source's rows decides the output headers, whether
the ids are the target's own and whether records are found by address exactly as the whole
source does. Pure pandas, no Spark."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.clean.plan import output_headers, whole_counts
from hygiene.clean.targets import id_counts, load_target, owns_counted, owns_ids
from hygiene.model import Source
from hygiene.prepared import Prepared
from tests.helpers import make_source

#: Cells an export holds in its id, owner and checkbox columns: Salesforce ids (15 and 18
#: characters, from Salesforce's "What is a Salesforce ID" help), HubSpot's numbers, empties,
#: checkbox words and a bounce reason a report writes in the same column.
IDS = ["0035g00000XyZ12AAB", "0035g00000XyZ12", "00Q5g000004CMkZ", "51262", "", None, "  "]
FLAGS = ["true", "false", "1", "0", "", None, "550 5.1.1 user unknown", "TRUE"]
HEADERS = {"Id": "record_id", "OwnerId": "owner", "AccountId": "company_id",
           "HasOptedOutOfEmail": "unsubscribed", "EmailBouncedReason": "bounced",
           "Email": "email"}


def _source(ids: list, owners: list, flags: list, bounces: list, platform: str) -> Source:
    n = len(ids)
    return make_source("crm", {
        "Id": ids, "OwnerId": owners, "AccountId": owners[::-1],
        "HasOptedOutOfEmail": flags, "EmailBouncedReason": bounces,
        "Email": [f"p{i}@example.com" for i in range(n)],
    }, HEADERS, platform=platform)


def _block(src: Source, rows: np.ndarray) -> Source:
    return Source(src.name, src.platform, src.data.iloc[rows].reset_index(drop=True),
                  src.provenance.iloc[rows].reset_index(drop=True), dict(src.columns),
                  dict(src.confidence))


cells = st.integers(min_value=1, max_value=40).flatmap(lambda n: st.tuples(
    st.lists(st.sampled_from(IDS), min_size=n, max_size=n),
    st.lists(st.sampled_from(IDS), min_size=n, max_size=n),
    st.lists(st.sampled_from(FLAGS), min_size=n, max_size=n),
    st.lists(st.sampled_from(FLAGS), min_size=n, max_size=n),
    st.lists(st.integers(min_value=0, max_value=3), min_size=n, max_size=n),
))


@settings(max_examples=60, deadline=None)
@given(cells, st.sampled_from(["salesforce", "hubspot", "salesforce_lead", "zoho"]),
       st.sampled_from(["salesforce", "hubspot"]))
def test_summed_block_counts_decide_as_the_whole_source(data, target_name, platform):
    ids, owners, flags, bounces, block_of = data
    target = load_target(target_name)
    src = _source(ids, owners, flags, bounces, platform)
    whole = whole_counts(Prepared(src), target)
    summed: Counter[str] = Counter()
    groups = np.asarray(block_of)
    for g in np.unique(groups):
        summed.update(whole_counts(Prepared(_block(src, np.flatnonzero(groups == g))), target))
    assert {k: summed.get(k, 0) for k in whole} == whole
    own = owns_ids(target, src.platform, src.record_ids())
    assert owns_counted(target, src.platform, summed["ids.filled"], summed["ids.of_form"]) == own
    headers = output_headers(Prepared(src), target, own)
    assert output_headers(Prepared(src), target, own, dict(summed)) == headers
    assert (summed["ids.any"] == 0) == bool(src.record_ids().isna().all())


def test_id_counts_on_real_ids():
    """Table-driven: Salesforce's 15- and 18-character ids are its own; a HubSpot number or
    a blank is not (blanks are not counted as filled)."""
    sf = load_target("salesforce")
    ids = pd.Series(["0035g00000XyZ12AAB", "0035g00000XyZ12", " ", None, "51262"], dtype="str")
    assert id_counts(sf, ids) == (3, 2)
    assert not owns_counted(sf, "salesforce", 3, 2)  # 2 of 3 is below nine in ten
    assert owns_counted(sf, "salesforce", 10, 9)
    assert not owns_counted(sf, "hubspot", 10, 10)  # not exported from Salesforce
