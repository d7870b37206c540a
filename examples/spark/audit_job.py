"""A crm-hygiene audit as a Spark job (spark-submit, a Databricks Python task, EMR step).

    audit_job.py --out /tmp/hygiene --findings s3a://bucket/hygiene/findings \
        crm=s3a://bucket/exports/hubspot/ esp=s3a://bucket/exports/mailchimp.parquet \
        [--table crm=catalog.schema.contacts] [--workflow newsletter] [--fail-under 80]

Sources are CSV or Parquet paths Spark can read, or tables (--table NAME=TABLE). The exit
code is the CLI's: 0 ok, 1 the gate failed, 2 bad input or a failed Spark step.
"""

from __future__ import annotations

import argparse
import sys

from pyspark.sql import SparkSession

from hygiene.errors import HygieneError
from hygiene.spark import audit


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser()
    ap.add_argument("sources", nargs="*", help="NAME=PATH (CSV or Parquet)")
    ap.add_argument("--table", action="append", default=[], help="NAME=TABLE")
    ap.add_argument("--out", required=True, help="driver-local folder for audit.json")
    ap.add_argument("--findings", help="where the findings Parquet goes (shared storage)")
    ap.add_argument("--workflow", action="append", default=[])
    ap.add_argument("--map", action="append", default=[], help="NAME:COLUMN=FIELD")
    ap.add_argument("--platform", action="append", default=[], help="NAME=PLATFORM")
    ap.add_argument("--fail-under", type=float)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)

    spark = SparkSession.builder.appName("crm-hygiene").getOrCreate()
    given: dict[str, object] = {}
    for arg in args.sources:
        name, _, path = arg.partition("=")
        given[name] = path
    for arg in args.table:
        name, _, table = arg.partition("=")
        given[name] = spark.table(table)
    try:
        result = audit(spark, given, workflows=args.workflow or None, maps=args.map,
                       platforms=args.platform, fail_under=args.fail_under)
        result.save(args.out, findings_to=args.findings)
    except HygieneError as err:
        print(f"hygiene: error: {err}", file=sys.stderr)
        return 2
    score = result.score
    print(f"score {score.overall} ({score.grade}); findings {sum(result.counts.values())}")
    if score.gate is not None and not score.gate.passed:
        print(f"hygiene: {score.gate.describe()}", file=sys.stderr)
        return score.gate.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
