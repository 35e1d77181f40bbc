"""The file durable log: durable appends, reopening, a torn tail, dedupe across
restarts, reading from disk and memory, retention."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.server_twin import twin_stream
from walkout.eventlog.records import Header
from walkout.server.ingest.filelog import FileLog


def _recs(n: int):
    _, recs = twin_stream()
    return recs[:n]


def test_appends_survive_reopen_and_read_back_in_order(tmp_path: Path) -> None:
    recs = _recs(1000)
    lg = FileLog(tmp_path, "s", fsync=True)
    a = lg.append(recs[:600]).result(5)
    b = lg.append(recs[600:]).result(5)
    assert (a.first, a.written, b.first, b.written) == (1, 600, 601, 400)
    lg.close()
    lg = FileLog(tmp_path, "s")
    assert lg.end() == 1001
    got = []
    while len(got) < 1001:
        chunk = lg.read(len(got), 333, timeout=0)
        assert chunk, len(got)
        got.extend(chunk)
    assert isinstance(got[0][1], Header)
    assert [o for o, _ in got] == list(range(1001))
    assert [r.model_dump(mode="json") for _, r in got[1:]] == [
        r.model_dump(mode="json") for r in _roundtrip(recs)
    ]
    # the same records again after the restart are duplicates, not new records
    again = lg.append(recs[900:]).result(5)
    assert again.written == 0 and again.duplicates == 100
    lg.close()


def _roundtrip(recs):
    """Records as the log's resolution keeps them."""
    from walkout.eventlog.codec import from_obj, to_obj

    return [from_obj(to_obj(r)) for r in recs]


def test_a_torn_last_block_is_cut_back_and_the_rest_kept(tmp_path: Path) -> None:
    recs = _recs(500)
    lg = FileLog(tmp_path, "s")
    lg.append(recs[:200]).result(5)
    lg.append(recs[200:]).result(5)
    lg.close()
    seg = max((tmp_path / "s").glob("*.wlog"))
    (tmp_path / "s" / f"{seg.stem}.json").unlink()  # as if killed before sealing
    data = seg.read_bytes()
    seg.write_bytes(data[:-25])  # kill -9 in the middle of the last block's write
    lg = FileLog(tmp_path, "s")
    assert lg.end() == 201  # header + first block: the torn block was never acknowledged
    assert lg.append(recs[200:]).result(5).written == 300  # the device resends it
    assert lg.end() == 501
    lg.close()


def test_reading_waits_for_new_records(tmp_path: Path) -> None:
    lg = FileLog(tmp_path, "s")
    assert lg.read(1, 10, timeout=0.05) == []
    lg.append(_recs(3)).result(5)
    assert [o for o, _ in lg.read(1, 10, timeout=0.05)] == [1, 2, 3]
    lg.close()


def test_retention_drops_old_sealed_segments_only_behind_the_checkpoint(tmp_path: Path) -> None:
    now = [1_000_000.0]
    lg = FileLog(tmp_path, "s", clock=lambda: now[0], segment_bytes=20_000)
    recs = _recs(3000)
    for i in range(0, 3000, 100):
        lg.append(recs[i : i + 100]).result(5)
    segs = len(lg.segments)
    assert segs > 3
    assert lg.purge(now[0], 7 * 86400, keep_from=lg.end()) == 0  # nothing old yet
    now[0] += 8 * 86400
    half = lg.segments[len(lg.segments) // 2].first
    dropped = lg.purge(now[0], 7 * 86400, keep_from=half)
    assert dropped == half  # every segment wholly before the checkpoint, and none after
    assert lg.segments[0].first == half
    dropped2 = lg.purge(now[0], 7 * 86400, keep_from=lg.end())
    assert len(lg.segments) == 1  # the open segment is never purged
    assert dropped + dropped2 == lg.segments[0].first
    lg.close()


def test_a_failed_write_is_refused_and_its_resend_accepted(tmp_path: Path) -> None:
    import pytest

    recs = _recs(50)
    lg = FileLog(tmp_path, "s")
    real = lg._writer.write
    calls = {"n": 0}

    def failing(rec):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError(28, "No space left on device")
        return real(rec)

    lg._writer.write = failing  # type: ignore[method-assign]
    with pytest.raises(OSError):
        lg.append(recs).result(5)
    again = lg.append(recs).result(5)  # the device keeps its data and sends it again
    assert again.written == 50 and again.duplicates == 0
    lg.close()
