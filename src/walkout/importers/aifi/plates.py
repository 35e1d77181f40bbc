"""Load-cell messages from plate_data.jsonl.

Each line is one message from one gondola's controller: ``values.data`` is
base64 of ``values.type`` numbers (float32) in the shape
``[samples, shelves + 1, plates + 1]``; row and column 0 are NaN padding, so
``data[:, s, p]`` is shelf ``s``, plate ``p``. Sampled at ``freq_samp`` Hz.

Clocks: ``header.t_origin`` steps by exactly ``samples / freq_samp`` (0.2 s)
from one message of a gondola to the next, so it is the controller's sample
clock; ``t_issue`` follows it by 94-125 ms (median 97 ms) with send jitter,
and the Mongo ``date_time`` by a further ~1 ms. Walkout takes ``t_origin`` as
the first sample's time (``t``) and ``date_time`` as arrival (``rx``). Note:
if ``t_issue`` were stamped after the last sample on the same clock, the first
sample would be ~90 ms before ``t_origin``; the data cannot tell, and the
competition's own driver used ``t_issue``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from walkout.importers.aifi.units import epoch
from walkout.importers.sources import SourceError, at, dig, iter_json_lines, number

DTYPES = {
    "DATATYPE_FLOAT32": "<f4",
    "DATATYPE_FLOAT64": "<f8",
    "DATATYPE_INT16": "<i2",
    "DATATYPE_INT32": "<i4",
    "DATATYPE_INT64": "<i8",
}


@dataclass(frozen=True)
class PlateMessage:
    where: str
    gondola: int
    t: float  # first sample (t_origin)
    t_issue: float | None
    rx: float | None
    rate_hz: float
    data: np.ndarray  # (samples, shelves + 1, plates + 1), float64


def iter_plate_messages(path: Path) -> Iterator[PlateMessage]:
    for lineno, doc in iter_json_lines(path):
        yield decode_plate_message(doc, at(path, lineno))


def decode_plate_message(doc: object, where: str) -> PlateMessage:
    if not isinstance(doc, dict):
        raise SourceError(f"{where}: a plate message must be an object")
    pd_ = dig(doc, "document.plate_data", where)
    gondola = dig(pd_, "plate_id.shelf_id.gondola_id.id", where)
    gondola = int(number(gondola, "plate_id.shelf_id.gondola_id.id", where))
    rate = number(dig(pd_, "freq_samp", where), "freq_samp", where)
    if rate <= 0:
        raise SourceError(f"{where}: freq_samp is {rate}, expected a positive rate")
    values = dig(pd_, "values", where)
    shape = dig(values, "shape", where)
    if not isinstance(shape, list) or not all(isinstance(x, int) and x > 0 for x in shape):
        raise SourceError(f"{where}: values.shape {shape!r} must be a list of positive integers")
    if len(shape) != 3:
        raise SourceError(
            f"{where}: values.shape {shape} has {len(shape)} dimensions, expected 3 [samples, shelves+1, plates+1]"
        )
    dtype_name = values.get("type", "DATATYPE_FLOAT32")
    if dtype_name not in DTYPES:
        raise SourceError(f"{where}: values.type {dtype_name!r} is not one of {', '.join(DTYPES)}")
    dtype = np.dtype(DTYPES[dtype_name])
    try:
        raw = base64.b64decode(dig(values, "data", where), validate=True)
    except (binascii.Error, ValueError, TypeError) as e:
        raise SourceError(f"{where}: values.data is not base64 ({e})") from None
    need = int(np.prod(shape)) * dtype.itemsize
    if len(raw) != need:
        raise SourceError(
            f"{where}: values.data holds {len(raw)} bytes; shape {shape} of {dtype_name} needs {need}"
        )
    data = np.frombuffer(raw, dtype=dtype).reshape(shape).astype(np.float64)
    if np.isinf(data).any():
        raise SourceError(f"{where}: values.data holds an infinite value")
    header = dig(doc, "document.header", where)
    t_issue = epoch(header["t_issue"], "t_issue", where) if "t_issue" in header else None
    if "t_origin" in header:
        t = epoch(header["t_origin"], "t_origin", where)
    elif t_issue is not None:
        t = t_issue
    else:
        t = epoch(dig(doc, "timestamp", where), "timestamp", where)
    rx = epoch(doc["date_time"], "date_time", where) if "date_time" in doc else None
    return PlateMessage(where, gondola, t, t_issue, rx, rate, data)
