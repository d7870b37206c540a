"""Read a source's files into a Spark DataFrame of text cells, each row numbered as the local
loader numbers it: its file, its 1-based row among the file's data rows, and its position in
the source (files in the order given, a folder's files by name)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..load.sniff import detect_delimiter, first_record
from ..load.table import clean_headers
from .errors import SparkStageError, cause_of

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Provenance columns added to every source's frame (dropped before the checks see the data).
FILE, ROW, POS = "_hygiene_file", "_hygiene_row", "_hygiene_pos"
PROVENANCE = (FILE, ROW, POS)
_PATH, _MID = "_hygiene_path", "_hygiene_mid"


def file_format(path: str) -> str:
    """"parquet" for a .parquet file or a folder of them (by name), else "csv"."""
    lowered = path.rstrip("/").lower()
    return "parquet" if lowered.endswith((".parquet", ".pq")) or "parquet" in lowered else "csv"


#: Lines of a CSV read on the driver to find its delimiter and header (as the local loader).
HEAD_LINES = 200


def read_one(spark: SparkSession, path: str) -> DataFrame:
    """One path (a file or a folder) as text columns, headers cleaned as the local loader
    cleans them (trimmed, BOM dropped, blanks named, repeats numbered). A CSV's delimiter is
    found from its first lines as locally; each CSV file is read whole by one task (quoted
    cells may hold line breaks, as CRM exports' notes and addresses do)."""
    from pyspark.sql import functions as F

    if file_format(path) == "parquet":
        frame = spark.read.parquet(path)
        names = clean_headers(frame.columns)
    else:
        head = "\n".join(r[0] for r in spark.read.text(path).limit(HEAD_LINES).collect()) + "\n"
        delim = detect_delimiter(head)
        frame = (
            spark.read.option("header", True)
            .option("multiLine", True)
            .option("sep", delim)
            .option("escape", '"')
            .option("inferSchema", False)
            .option("mode", "PERMISSIVE")
            .csv(path)
        )
        header = first_record(head, delim)
        names = clean_headers(header if len(header) == len(frame.columns) else frame.columns)
    return frame.select(
        *[F.col(f"`{c}`").cast("string").alias(n) for c, n in zip(frame.columns, names,
                                                                 strict=True)]
    )


def read_source(spark: SparkSession, paths: Sequence[str]) -> tuple[DataFrame, DataFrame]:
    """The source's files as one frame with FILE, ROW and POS beside its columns (all text),
    and the cached frame it is numbered from (see `number_rows`).

    Rows are numbered in the order Spark reads them, which is file order for a CSV (never
    split, see `read_one`) and row-group order for Parquet.
    """
    from pyspark.sql import functions as F

    frames = [
        read_one(spark, path).withColumn(_PATH, F.input_file_name()) for path in paths
    ]
    return number_rows(frames)


def from_frame(frame: DataFrame, label: str) -> tuple[DataFrame, DataFrame]:
    """A DataFrame given by the caller (a synced table): its columns as text, numbered in the
    order it is read, `label` standing for the file; and the cached frame it is numbered
    from (see `number_rows`)."""
    from pyspark.sql import functions as F

    names = clean_headers(frame.columns)
    text = frame.select(
        *[F.col(f"`{c}`").cast("string").alias(n) for c, n in zip(frame.columns, names,
                                                                 strict=True)]
    )
    return number_rows([text.withColumn(_PATH, F.lit(label))])


def number_rows(frames: Sequence[DataFrame]) -> tuple[DataFrame, DataFrame]:
    """FILE, ROW and POS for frames that carry their file's path in _PATH (see read_source).

    Numbering reads the data twice (rows per piece, then the rows): the read rows are
    cached, so the files are parsed once. That cache is returned second; the caller
    unpersists it once the numbered frame is kept.
    """
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    data = frames[0].withColumn("_hygiene_arg", F.lit(0))
    for i, extra in enumerate(frames[1:], start=1):
        data = data.unionByName(
            extra.withColumn("_hygiene_arg", F.lit(i)), allowMissingColumns=True
        )
    data = data.withColumn(_MID, F.monotonically_increasing_id()).withColumn(
        "_pid", F.shiftright(F.col(_MID), 33)
    ).persist(StorageLevel.MEMORY_AND_DISK)
    # One small row per (file, partition) piece: where it starts, and how many rows of its
    # file and of the source come before it (a piece's rows have consecutive ids).
    pieces = data.groupBy("_hygiene_arg", _PATH, "_pid").agg(
        F.min(_MID).alias("_first"), F.count(F.lit(1)).alias("_n")
    )
    by_file = Window.partitionBy("_hygiene_arg", _PATH).orderBy("_first")
    in_source = Window.orderBy("_hygiene_arg", _PATH, "_first")
    pieces = pieces.select(
        "_hygiene_arg",
        _PATH,
        "_pid",
        "_first",
        (F.sum("_n").over(by_file) - F.col("_n")).alias("_file_base"),
        (F.sum("_n").over(in_source) - F.col("_n")).alias("_source_base"),
    )
    numbered = (
        data.join(F.broadcast(pieces), ["_hygiene_arg", _PATH, "_pid"], "inner")
        .withColumn(ROW, F.col(_MID) - F.col("_first") + F.col("_file_base") + 1)
        .withColumn(POS, F.col(_MID) - F.col("_first") + F.col("_source_base"))
        .withColumn(FILE, F.regexp_extract(F.col(_PATH), r"([^/]+)$", 1))
    )
    keep = [c for c in data.columns if c not in (_PATH, _MID, "_hygiene_arg", "_pid")]
    return numbered.select(*[F.col(f"`{c}`") for c in keep], FILE, ROW, POS), data


def missing_path(spark: SparkSession, name: str, path: str) -> SparkStageError | None:
    """An error naming the source when Spark's filesystem for `path` says it does not exist
    (or cannot be asked: an unknown scheme, missing credentials)."""
    context: Any = spark.sparkContext
    jvm, conf = context._jvm, context._jsc.hadoopConfiguration()
    try:
        hpath = jvm.org.apache.hadoop.fs.Path(path)
        exists = bool(hpath.getFileSystem(conf).exists(hpath))
    except Exception as err:  # noqa: BLE001 - reported as one line, the cause named
        return SparkStageError(name, "read", f"{path}: cannot open ({cause_of(err)})")
    if exists:
        return None
    return SparkStageError(name, "read", f"{path}: no such file or folder; check the path")
