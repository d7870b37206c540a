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

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clean import SparkCleanResult, clean
    from .engine import SparkAudit, audit
    from .errors import SparkStageError
    from .session import start_session

__all__ = ["SparkAudit", "SparkCleanResult", "SparkStageError", "audit", "clean",
           "start_session"]

# Imported on first use (PEP 562): a Python worker that unpickles a function of one
# submodule (the checks of a bucket) then imports that module alone, not the driver's.
_HOME = {"SparkAudit": "engine", "audit": "engine", "SparkCleanResult": "clean",
         "clean": "clean", "SparkStageError": "errors", "start_session": "session"}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


class _Package(types.ModuleType):
    """Importing the submodule `clean` would name it on the package, hiding the function
    `clean` that the package exports: the function stays the package's `clean`."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "clean" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
