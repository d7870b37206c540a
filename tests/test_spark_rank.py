"""`hygiene.spark.rank.ranked`: each row's place in a total order, computed by Spark over
any partitioning, equals its index in the order pandas sorts the same rows into."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pyspark", reason="the spark extra is installed by `make test`")

from hygiene.spark.rank import ranked  # noqa: E402

pytestmark = pytest.mark.slow


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sets(st.tuples(st.integers(-50, 50), st.integers(0, 9)), min_size=0, max_size=60),
    st.integers(1, 5),
)
def test_ranks_are_places_in_sorted_order(spark, pairs, parts):
    pdf = pd.DataFrame(sorted(pairs), columns=["lo", "hi"], dtype="int64")
    pdf = pdf.sample(frac=1.0, random_state=0).reset_index(drop=True)
    schema = "lo long, hi long"
    frame = spark.createDataFrame(pdf, schema).repartition(parts)
    got = ranked(frame, ("lo", "hi"), "at").toPandas()
    want = pdf.sort_values(["lo", "hi"]).reset_index(drop=True)
    want["at"] = np.arange(len(want), dtype=np.int64)
    got = got.sort_values("at").reset_index(drop=True)
    assert got[["lo", "hi", "at"]].astype("int64").equals(want.astype("int64"))


@pytest.mark.parametrize("keys", [
    ["b", "a", "ab", "", "B", "é", "a b"],   # text sorts as Spark sorts strings (bytes)
    ["x"],
])
def test_text_keys_rank_in_spark_order(spark, keys):
    frame = spark.createDataFrame(pd.DataFrame({"key": keys}), "key string").repartition(3)
    got = ranked(frame, ("key",), "rank").toPandas().sort_values("rank")
    assert got["rank"].tolist() == list(range(len(keys)))
    assert got["key"].tolist() == sorted(keys, key=lambda k: k.encode("utf-8"))
