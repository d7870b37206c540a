#!/usr/bin/env bash
# crm-hygiene on a Spark cluster with spark-submit (YARN shown; spark:// and k8s:// alike).
#
# The executors need crm-hygiene and its dependencies: pack a virtualenv once and ship it
# (Spark's "Python Package Management" with venv-pack), built from your copy of this repo:
#   python -m venv env && env/bin/pip install '/path/to/crm-hygiene[spark]' venv-pack
#   env/bin/venv-pack -o hygiene-env.tar.gz
set -euo pipefail

export PYSPARK_DRIVER_PYTHON=python          # the driver's own env has crm-hygiene too
export PYSPARK_PYTHON=./environment/bin/python

spark-submit \
  --master yarn --deploy-mode client \
  --archives hygiene-env.tar.gz#environment \
  --conf spark.sql.shuffle.partitions=400 \
  --conf spark.sql.execution.arrow.pyspark.enabled=true \
  examples/spark/audit_job.py \
    --out ./hygiene-audit \
    --findings hdfs:///data/hygiene/findings \
    crm=hdfs:///exports/hubspot_contacts.csv \
    esp=hdfs:///exports/mailchimp_members.parquet \
    --workflow newsletter --fail-under 80

# Then the cleaned lists, suppression lists, merge plan and changes (Parquet part files;
# --format csv for CSV), from the same sources:
spark-submit \
  --master yarn --deploy-mode client \
  --archives hygiene-env.tar.gz#environment \
  --conf spark.sql.shuffle.partitions=400 \
  --conf spark.sql.execution.arrow.pyspark.enabled=true \
  examples/spark/clean_job.py \
    --out hdfs:///data/hygiene/cleaned \
    crm=hdfs:///exports/hubspot_contacts.csv \
    esp=hdfs:///exports/mailchimp_members.parquet

# On one machine the command line does the same without a cluster:
#   hygiene audit --engine spark --master 'local[*]' --out hygiene-audit \
#       crm=exports/hubspot_contacts.csv esp=exports/mailchimp_members.parquet
#   hygiene clean --engine spark --master 'local[*]' --out cleaned \
#       crm=exports/hubspot_contacts.csv esp=exports/mailchimp_members.parquet
