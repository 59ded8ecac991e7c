"""The parser process: reads the downloaded file and sends ready batches to the importer.

Parsing (the csv module, phonenumbers at ~26 µs a number) is CPU work in Python; the database
write of the previous batch is CPU work in PostgreSQL. In one process the GIL would make them
take turns, so the file is parsed in a process of its own (multiprocessing, spawn: the importer
has threads, and a fork would copy their locks), a few batches ahead of the database through a
bounded queue: parsing and writing overlap on the two cores, and memory stays bounded by the
queue.

Messages on the queue, in order: ("header", {...detected...}), then ("batch", from_row, to_row,
rows_json, errors_json) for each batch (rows_json and errors_json are the JSON arrays the batch
function takes), then ("end", rows) or ("error", message). `from_row` counts data rows (blank
rows left out) from 0: the checkpoint. Rows up to `start_row` were written by an earlier attempt
and are skipped, not checked again.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import queue
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from workers.lead_import.reader import BadFile, open_table
from workers.lead_import.rows import Mapper, check_row

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _sender(out: Queue[tuple[Any, ...]], parent: int) -> Any:
    """out.put, but giving up when the importer is gone (killed: nobody will read the queue,
    and this process must not wait on it forever)."""
    def send(message: tuple[Any, ...]) -> None:
        while True:
            try:
                out.put(message, timeout=1.0)
                return
            except queue.Full:
                if os.getppid() != parent:
                    os._exit(3)
    return send


def produce(path: str, options: dict[str, Any], region: str, start_row: int, batch_rows: int,
            out: Queue[tuple[Any, ...]], parent: int) -> None:
    """The parser process's body: every message it sends goes through `out`."""
    put = _sender(out, parent)
    try:
        table = open_table(Path(path), options)
    except (BadFile, UnicodeDecodeError, OSError) as e:
        put(("error", str(e)))
        return
    try:
        mapper = Mapper.build(table.headers, options, region)
        put(("header", {"kind": table.kind, "encoding": table.encoding,
                            "delimiter": table.delimiter, "headers": table.headers,
                            "mapping": mapper.mapping, "rows_estimate": table.rows_estimate}))
        today = dt.date.today()
        done = 0
        rows: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        batch_start = start_row
        for line, cells in table.rows:
            done += 1
            if done <= start_row:
                continue
            checked = check_row(mapper, line, cells, today)
            if checked.lead is not None:
                rows.append(checked.lead)
            else:
                for error in checked.errors:
                    errors.append({"line": line, **error, "raw": checked.raw})
            if done - batch_start >= batch_rows:
                put(("batch", batch_start, done, _dumps(rows), _dumps(errors)))
                rows, errors, batch_start = [], [], done
        if done > batch_start:
            put(("batch", batch_start, done, _dumps(rows), _dumps(errors)))
        put(("end", done))
    except UnicodeDecodeError as e:
        put(("error", f"the file is not {table.encoding}: {e.reason} at byte {e.start}"))
    except Exception as e:  # reported to the importer, which fails the import with it
        put(("error", f"{type(e).__name__}: {e}"))
    finally:
        table.close()


def start(path: Path, options: dict[str, Any], region: str, start_row: int, batch_rows: int,
          queue_batches: int) -> tuple[multiprocessing.process.BaseProcess, Queue[tuple[Any, ...]]]:
    """The parser process, started, and the queue it sends on."""
    context = multiprocessing.get_context("spawn")
    out: Queue[tuple[Any, ...]] = context.Queue(maxsize=queue_batches)
    process = context.Process(target=produce, name="lead-import-parser", daemon=True,
                              args=(str(path), options, region, start_row, batch_rows, out,
                                    os.getpid()))
    process.start()
    return process, out
