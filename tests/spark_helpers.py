"""What the Spark tests share: one local[2] session per test process and a generated
HubSpot + Mailchimp pair written as both engines read it (tests/test_spark*.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hygiene.demo.generator import generate
from hygiene.load import SourceSpec, load_source


def spark_session(checkpoints: Path) -> Iterator[Any]:
    """A local[2] session with two shuffle partitions and a checkpoint folder (label
    propagation checkpoints), stopped when the tests that use it are done. Every Spark test
    file of a test process shares it, so its JVM gets more than the default 1 GB heap."""
    from hygiene.spark import start_session

    session = start_session("local[2]", shuffle_partitions=2, app_name="hygiene-tests",
                            conf={"spark.driver.memory": "3g"})
    session.sparkContext.setCheckpointDir(str(checkpoints))
    yield session
    session.stop()


def generated_pair(folder: Path, crm_rows: int, esp_rows: int) -> dict[str, Path]:
    """A generated HubSpot export and a Mailchimp audience as one CSV (the three member
    files joined by the local loader, its Member Status column included)."""
    files = generate(folder, crm_rows=crm_rows, esp_rows=esp_rows, esp_format="csv")
    esp = load_source(SourceSpec("esp", tuple(str(p) for p in files.esp)))
    esp_csv = folder / "mailchimp_members.csv"
    esp.data.to_csv(esp_csv, index=False)
    return {"crm": files.crm, "esp": esp_csv}
