"""A Spark failure as one line: the source, the stage, the cause, where the log is."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import HygieneError, one_line


class SparkStageError(HygieneError):
    """A step of the Spark engine failed on one source (exit 2, like bad input)."""

    def __init__(self, source: str, step: str, cause: str) -> None:
        self.source = source
        self.step = step
        super().__init__(one_line(f"source {source}: {step} failed on Spark: {cause}"))


def cause_of(err: BaseException) -> str:
    """The line that says what went wrong: a Python error's last line from an executor, or
    the Java exception's message without its stack."""
    text = str(err).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return type(err).__name__
    if "Traceback" in text:
        # A Python error raised on an executor: its message is the traceback's last line.
        tail = [ln for ln in lines if not ln.startswith(("at ", "File ", "^", "~"))]
        for ln in reversed(tail):
            if ":" in ln and not ln.startswith(("JVM stacktrace", "org.apache")):
                return ln[:300]
    first = lines[0]
    for prefix in ("An error occurred while calling", "py4j.protocol.Py4JJavaError"):
        if first.startswith(prefix) and len(lines) > 1:
            first = lines[1]
    return first[:300]


@contextmanager
def stage(source: str, step: str) -> Iterator[None]:
    """Run a step; a Spark or executor failure leaves as a `SparkStageError`. The step's
    Spark jobs carry "source: step" as their description (Spark's UI and REST API)."""
    try:
        from pyspark import SparkContext
    except ImportError:  # the command says pyspark is missing, after this
        context = None
    else:
        context = SparkContext._active_spark_context
    if context is not None:
        context.setJobDescription(f"{source}: {step}")
    try:
        yield
    except HygieneError:
        raise
    except Exception as err:
        if _from_spark(err):
            raise SparkStageError(source, step, cause_of(err)) from err
        raise
    finally:
        if context is not None:
            context.setJobDescription(None)  # type: ignore[arg-type]


def _from_spark(err: BaseException) -> bool:
    module = type(err).__module__ or ""
    return module.startswith(("pyspark", "py4j"))
