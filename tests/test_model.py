"""The findings frame's shape: few-valued columns held compactly, combined without loss."""

import pandas as pd

from hygiene.model import (
    FEW_VALUED_COLUMNS,
    FINDING_COLUMNS,
    concat_findings,
    empty_findings,
    observed_counts,
)


def findings(code: str, field: str | None, rows: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame({c: [None] * len(rows) for c in FINDING_COLUMNS}, dtype=object)
    frame["code"] = code
    frame["severity"] = "error"
    frame["source"] = "crm"
    frame["file"] = "contacts.csv"
    frame["field"] = field
    frame["row"] = rows
    frame["message"] = [f"{code} on row {r}" for r in rows]
    frame["pos"] = [r - 2 for r in rows]
    return frame


def test_concat_keeps_every_value_and_few_valued_columns_categorical():
    a = findings("email.invalid_syntax", "email", [2, 3])
    b = findings("phone.invalid", None, [4])
    out = concat_findings([a, b, empty_findings()])
    assert list(out.columns) == [*FINDING_COLUMNS, "pos"]
    assert out["code"].tolist() == ["email.invalid_syntax"] * 2 + ["phone.invalid"]
    assert out["field"].iloc[:2].tolist() == ["email", "email"]
    assert pd.isna(out["field"].iloc[2])
    assert out["message"].tolist() == [
        "email.invalid_syntax on row 2",
        "email.invalid_syntax on row 3",
        "phone.invalid on row 4",
    ]
    assert out["pos"].tolist() == [0, 1, 2]
    for c in FEW_VALUED_COLUMNS:
        assert isinstance(out[c].dtype, pd.CategoricalDtype), c
    # Compared and counted like text, as the score and the reports read them.
    assert (out["code"] == "phone.invalid").sum() == 1
    assert out["code"].value_counts()["email.invalid_syntax"] == 2


def test_concat_of_nothing_is_an_empty_findings_frame():
    out = concat_findings([empty_findings()])
    assert len(out) == 0 and list(out.columns) == [*FINDING_COLUMNS, "pos"]


def test_counts_of_a_filtered_frame_list_only_the_codes_left():
    out = concat_findings(
        [findings("phone.invalid", "phone", [2]), findings("email.missing", "email", [3, 4])]
    )
    left = out[out["field"] == "email"]
    assert observed_counts(left["code"]).to_dict() == {"email.missing": 2}
    # Categories sort as the strings do, so sorting and grouping order is unchanged.
    assert list(out.sort_values("code")["code"]) == ["email.missing"] * 2 + ["phone.invalid"]
