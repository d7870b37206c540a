"""Writing `hygiene.spark.clean`'s outputs: each a folder of part files, cells escaped as
the local clean's CSVs, the per-target suppression files as windows over the ledger, all in a
temporary folder renamed into place once every output is written (`Folder`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from ..clean.csvout import escape, escape_header
from ..clean.targets import Target
from ..clean.writers import MERGE_COLUMNS, SUPPRESSION_COLUMNS
from ..errors import ConfigError
from .clean_block import CHANGE, KIND, ORDER, CleanJob, CleanSource, field_slot, slot
from .partition import SOURCE_NO
from .read import POS
from .sources import quiet_pandas_warning

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def _escaped(frame: DataFrame) -> DataFrame:
    """Every text cell escaped as the local clean's CSVs (`csvout.escape`), per batch."""
    schema = frame.schema

    def per_batch(batches: Any) -> Any:
        quiet_pandas_warning()
        for pdf in batches:
            out = pdf.copy()
            for c in out.columns:
                arr = escape(pa.array(out[c].astype(object), pa.string(), from_pandas=True))
                out[c] = pd.Series(arr.to_pylist(), dtype=object, index=out.index)
            yield out

    return frame.mapInPandas(per_batch, schema)


def _written(frame: DataFrame, path: str, file_format: str) -> None:
    writer = _escaped(frame).write.mode("overwrite")
    if file_format == "csv":
        # RFC 4180 quoting, as the local CSVs: a quote inside a cell is doubled.
        writer.option("header", True).option("escape", '"').csv(path)
    else:
        writer.parquet(path)


def write_all(
    folder: Folder,
    planned: DataFrame,
    job: CleanJob,
    partials: Sequence[Mapping[str, Any]],
    chosen: Mapping[str, Target],
    file_format: str,
    outputs: Mapping[str, str],
) -> dict[str, Any]:
    from pyspark.sql import functions as F

    info: dict[str, Any] = {"suppression_files": {}}
    seen: dict[str, set[str]] = {}
    for p in partials:
        for i, hs in p["headers"].items():
            seen.setdefault(i, set()).update(hs)
    for i, cs in enumerate(job.sources):
        # An opt-out column the target adds is there only if some row was marked in it.
        cols = [F.col(slot(i, k)).alias(escape_header(h)) for k, h in enumerate(cs.headers)
                if not _added(cs, h) or h in seen.get(str(i), set())]
        rows = planned.filter((F.col(KIND) == "cleaned") & (F.col(SOURCE_NO) == i))
        _written(rows.sortWithinPartitions(POS).select(*cols),
                 folder.path(outputs[f"cleaned:{cs.name}"]), file_format)
    ledger = planned.filter(F.col(KIND) == "suppression")
    supp = [F.col(f"s_{what}").alias(h) for h, what in SUPPRESSION_COLUMNS.items()]
    _written(ledger.sortWithinPartitions(SOURCE_NO, "s_part", POS).select(*supp),
             folder.path(outputs["suppression"]), file_format)
    for name in dict.fromkeys(chosen[cs.name].name for cs in job.sources):
        target = next(chosen[cs.name] for cs in job.sources if chosen[cs.name].name == name)
        frame = _target_suppression(ledger, target)
        path = folder.path(outputs[f"suppression:{name}"])
        _written(frame, path, file_format)
        info["suppression_files"][name] = {
            "file": outputs[f"suppression:{name}"],
            "rows": _rows_written(planned.sparkSession, path, file_format),
            "how": target.suppression.how,
        }
    merges = planned.filter(F.col(KIND) == "merge").sortWithinPartitions(SOURCE_NO, POS)
    _written(merges.select(*[F.col(f"m_{c}").alias(c) for c in MERGE_COLUMNS]),
             folder.path(outputs["merge_plan"]), file_format)
    changes = planned.filter(F.col(KIND) == "change").sortWithinPartitions(
        SOURCE_NO, "c_file", POS, ORDER)
    _written(changes.select(*[F.col(c).alias(c[2:]) for c in CHANGE]),
             folder.path(outputs["changes"]), file_format)
    return info


def _rows_written(spark: SparkSession, path: str, file_format: str) -> int:
    """Rows of a folder just written (Parquet's from the footers)."""
    if file_format == "csv":
        reader = spark.read.option("header", True).option("multiLine", True)
        return int(reader.option("escape", '"').csv(path).count())
    return int(spark.read.parquet(path).count())


def _added(cs: CleanSource, header: str) -> bool:
    """Whether `header` is an opt-out column the target adds (present only if used)."""
    return any(spec.add_as == header for spec in cs.target.opt_out)


def _target_suppression(ledger: DataFrame, target: Target) -> DataFrame:
    """suppression_<target> (`writers.target_suppression_table`): each address once with
    the action of its first reason in rules/clean.yaml's order (a target keyed on records:
    each of its own records once), in the target's import columns."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    fmt = target.suppression
    action = F.col("s_action")
    wanted = action.isin(list(fmt.actions)) if fmt.actions else ~action.eqNullSafe("skip")
    frame = ledger.filter((F.col("s_target") == target.name) & wanted
                          & F.col("s_address").isNotNull())
    order = [F.col("s_rank"), F.col(SOURCE_NO), F.col("s_part"), F.col(POS)]
    if fmt.key == "record_id":
        frame = frame.filter((F.col("s_own_id") == 1) & F.col("s_record_id").isNotNull())
        first = Window.partitionBy("s_address").orderBy(*order).rowsBetween(
            Window.unboundedPreceding, Window.unboundedFollowing)
        frame = frame.withColumn("s_action", F.first("s_action").over(first))
        key = "s_record_id"
    else:
        key = "s_address"
    ranked = Window.partitionBy(key).orderBy(*order)
    frame = frame.withColumn("_n", F.row_number().over(ranked)).filter("_n = 1")
    own = F.col("s_own_id") == 1
    cols = []
    for header, what in fmt.columns.items():
        if what.startswith("="):
            value = F.lit(what[1:])
        elif what == "record_id":
            value = F.when(own, F.col("s_record_id"))
        elif what == "original_id":
            value = F.when(~own, F.col("s_record_id"))
        elif what == "action":
            value = action
            for word, shown in fmt.actions.items():
                value = F.when(action == word, F.lit(shown)).otherwise(value)
        elif what == "email":
            value = F.col("s_email")
        else:
            value = F.col(field_slot(what))
        cols.append(value.cast("string").alias(escape_header(header)))
    return frame.sortWithinPartitions(SOURCE_NO, "s_part", POS).select(*cols)


class Folder:
    """The output folder on any filesystem Spark writes (Hadoop's API): outputs go to a
    temporary folder inside it and are renamed into place by `commit`."""

    def __init__(self, spark: SparkSession, out: str) -> None:
        context: Any = spark.sparkContext
        self.jvm = context._jvm
        conf = context._jsc.hadoopConfiguration()
        path = self.jvm.org.apache.hadoop.fs.Path(out)
        self.fs = path.getFileSystem(conf)
        self.root = self.fs.makeQualified(path)
        self.tmp = self._child(self.root, f".hygiene-clean-{uuid.uuid4().hex}")

    def _child(self, parent: Any, name: str) -> Any:
        return self.jvm.org.apache.hadoop.fs.Path(parent, name)

    def qualified(self, path: str) -> str:
        p = self.jvm.org.apache.hadoop.fs.Path(path)
        return str(p.getFileSystem(self.fs.getConf()).makeQualified(p).toString())

    def refuse_inputs(self, outputs: Mapping[str, str], inputs: Sequence[str]) -> None:
        """No output may replace an input (or a folder holding one)."""
        finals = [str(self._child(self.root, n).toString()) for n in outputs.values()]
        finals.append(str(self._child(self.root, "clean_summary.json").toString()))
        for given in inputs:
            q = self.qualified(given).rstrip("/")
            for f in finals:
                if q == f or q.startswith(f + "/"):
                    raise ConfigError(f"{given}: is an input; choose another --out folder")

    def path(self, name: str) -> str:
        return str(self._child(self.tmp, name).toString())

    def write_text(self, name: str, text: str) -> None:
        target = self._child(self.tmp, name)
        uri = target.toUri()
        if uri.getScheme() == "file":
            # Written by Python: Hadoop's local filesystem would leave a .crc file beside it.
            local = Path(str(uri.getPath()))
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_text(text, encoding="utf-8")
            return
        stream = self.fs.create(target, True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def commit(self, names: Sequence[str]) -> dict[str, str]:
        """Each output renamed over the previous one of its name."""
        done = {}
        for name in names:
            final = self._child(self.root, name)
            if self.fs.exists(final):
                self.fs.delete(final, True)
            if not self.fs.rename(self._child(self.tmp, name), final):
                raise ConfigError(f"{final.toString()}: could not be renamed into place")
            done[name] = str(final.toString())
        self.fs.delete(self.tmp, True)
        return done

    def abort(self) -> None:
        try:
            self.fs.delete(self.tmp, True)
        except Exception:  # noqa: BLE001 - the first error is the one to report
            pass
