"""Do two versions of the engine say exactly the same? A fingerprint of all it outputs.

    python benchmarks/engine_same.py runs/bench/supermarket-realistic-0.166667h-s7/log.wlog
    python benchmarks/engine_same.py LOG --records 300000 --checkpoint-at 150000 --dump out.jsonl

The engine is a deterministic state machine, so a change made for speed alone
must leave every output (receipts, shelf events, review tasks, with all their
floats) bit for bit the same. This runs ``Engine.apply`` over the log and
``flush`` at its end and prints a SHA-256 of the outputs' JSON, with counts by
kind: run it before and after a change and compare the lines. With
``--checkpoint-at K`` the engine is checkpointed after record K and restored
from the blob to go on (the hash must not change either). ``--dump`` writes
the outputs as JSON Lines, to diff when the hashes differ.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
from collections import Counter
from pathlib import Path

from engine_common import engine_config
from walkout.cli.common import tune_gc_for_streaming
from walkout.eventlog import read_log
from walkout.fusion.engine import Engine
from walkout.storefile import load_store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", type=Path, help="a twin run's log.wlog (its store.yaml beside it)")
    ap.add_argument("--records", type=int, help="only the first N records")
    ap.add_argument("--checkpoint-at", type=int, help="checkpoint and restore after record K")
    ap.add_argument("--dump", type=Path, help="write every output as JSON Lines")
    a = ap.parse_args()
    tune_gc_for_streaming()
    engine = Engine(load_store(a.log.parent / "store.yaml"), engine_config())
    digest = hashlib.sha256()
    kinds: Counter[str] = Counter()
    dump = a.dump.open("w", encoding="utf-8") if a.dump else None

    def take(outs: list) -> None:
        for o in outs:
            line = o.model_dump_json()
            digest.update(line.encode() + b"\n")
            kinds[o.kind] += 1
            if dump is not None:
                dump.write(line + "\n")

    n = 0
    for rec in itertools.islice(read_log(a.log), a.records):
        take(engine.apply(rec))
        n += 1
        if n == a.checkpoint_at:
            engine = Engine.restore(engine.checkpoint())
    take(engine.flush())
    if dump is not None:
        dump.close()
    print(f"{a.log} records={n} outputs={dict(sorted(kinds.items()))} sha256={digest.hexdigest()}")


if __name__ == "__main__":
    main()
