"""`hygiene clean` as a Spark job: the cleaned lists, suppression lists, merge plan and
changes written as folders of Parquet (or CSV) part files, with the local clean's columns.

    clean_job.py --out s3a://bucket/hygiene/cleaned \
        crm=s3a://bucket/exports/hubspot/ esp=s3a://bucket/exports/mailchimp.parquet \
        [--table crm=catalog.schema.contacts] [--target hubspot] [--format csv] \
        [--clusters s3a://bucket/hygiene/clusters.parquet]

--clusters is a Parquet of duplicate clusters (cluster, source, row, survivor; row is the
record's 0-based position in its source); without it nothing is merged. The exit code is
the CLI's: 0 ok, 2 bad input or a failed Spark step.
"""

from __future__ import annotations

import argparse
import sys

from pyspark.sql import SparkSession

from hygiene.errors import HygieneError
from hygiene.spark import clean


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser()
    ap.add_argument("sources", nargs="*", help="NAME=PATH (CSV or Parquet)")
    ap.add_argument("--table", action="append", default=[], help="NAME=TABLE")
    ap.add_argument("--out", required=True, help="folder for the outputs (shared storage)")
    ap.add_argument("--target", help="import format: hubspot, salesforce, mailchimp, ...")
    ap.add_argument("--format", default="parquet", choices=("parquet", "csv"))
    ap.add_argument("--clusters", help="Parquet of duplicate clusters to merge")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)

    spark = SparkSession.builder.appName("crm-hygiene-clean").getOrCreate()
    given: dict[str, object] = {}
    for arg in args.sources:
        name, _, path = arg.partition("=")
        given[name] = path
    for arg in args.table:
        name, _, table = arg.partition("=")
        given[name] = spark.table(table)
    clusters = spark.read.parquet(args.clusters) if args.clusters else None
    try:
        result = clean(spark, given, out=args.out, target=args.target, clusters=clusters,
                       file_format=args.format)
    except HygieneError as err:
        print(f"hygiene: error: {err}", file=sys.stderr)
        return 2
    for s in result.accounting["sources"]:
        print(f"{s['source']} -> {s['target']}: {s['rows']} rows = {s['kept']} kept + "
              f"{s['merged']} merged + {s['suppressed']} suppressed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
