"""The Spark engine: the same rules, normalisers and score as the local audit, run on
Spark DataFrames (`pip install 'crm-hygiene[spark]'`).

    from hygiene.spark import audit, start_session
    spark = start_session("local[2]")
    result = audit(spark, crm=spark.table("hubspot.contacts"), esp="s3a://bucket/members/")
    result.save("audit-out")   # findings/ (Parquet by source and code) + audit.json
    clean(spark, crm=..., esp=..., out="cleaned", clusters=None)   # hygiene clean's outputs

pyspark is imported only when a session is started or an audit runs.
"""

from __future__ import annotations

from .clean import SparkCleanResult, clean
from .engine import SparkAudit, audit
from .errors import SparkStageError
from .session import start_session

__all__ = ["SparkAudit", "SparkCleanResult", "SparkStageError", "audit", "clean",
           "start_session"]
