"""Both encodings carry the same values, stream in order, and reject bad input by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walkout.eventlog import (
    Credential,
    GateEntry,
    GatePass,
    Header,
    LogError,
    LogWriter,
    PlateBatch,
    Recognition,
    RfidRead,
    RfidTag,
    TrackedPerson,
    TrackFrame,
    binary,
    read_header,
    read_log,
)
from walkout.eventlog.codec import from_obj, to_obj
from walkout.eventlog.records import AgePolicySet, IdVerification, ReviewThresholdSet, ShelfLabel


def canonical(rec) -> bytes:
    return orjson.dumps(to_obj(rec), option=orjson.OPT_SERIALIZE_NUMPY)


def sample_records() -> list:
    return [
        Header(store="s", source="twin", start=1.7e9, meta={"seed": 1}),
        PlateBatch(
            device="G1",
            t=1.7e9 + 0.1234567,
            rx=1.7e9 + 0.2,
            seq=3,
            rate_hz=60,
            plates=["G1.1.1", "G1.1.2"],
            grams=np.array([[1811.23456, np.nan], [-0.001, 2.0]]),
        ),
        TrackFrame(
            device="trk",
            t=1.7e9,
            people=[
                TrackedPerson(
                    id="a", joints={"head": (1, 2, 1.7, 0.99), "l_hand": (1.23456, -0.0001, 1, 0.5)}
                )
            ],
        ),
        TrackFrame(device="trk", t=1.7e9 + 0.066, people=[]),
        GateEntry(device="g", t=1.7e9, credential=Credential(kind="qr", token="x"), admits=2),
        GatePass(device="g", t=1.7e9, direction="in"),
        RfidRead(
            device="r",
            t=1.7e9,
            tags=[RfidTag(epc="urn:epc:id:sgtin:0614141.812345.6789", rssi=-50.123)],
        ),
        Recognition(
            device="c", t=1.7e9, track="a", hand="left", top=[("sku1", 0.91234), ("sku2", 0.05)]
        ),
        # what the server writes for people
        IdVerification(
            device="staff:t1", t=1.7e9 + 5, session="S1", verified=True, by="t1", task="idcheck-1"
        ),
        AgePolicySet(device="settings:t2", t=1.7e9 + 6, policy="block_exit", by="t2"),
        ReviewThresholdSet(device="settings:t2", t=1.7e9 + 6.5, threshold=0.975, by="t2"),
        ShelfLabel(
            device="review:r1", t=1.7e9 + 7, event="E0000007", moves=[("put", "sku2", 1)], by="r1"
        ),
        ShelfLabel(device="review:r1", t=1.7e9 + 8, event="E0000008", by="r1"),
    ]


@pytest.mark.parametrize("suffix", [".jsonl", ".wlog"])
def test_round_trip_keeps_values_at_the_logs_resolution(tmp_path: Path, suffix: str) -> None:
    recs = sample_records()
    p = tmp_path / f"log{suffix}"
    with LogWriter(p) as w:
        w.write_all(recs)
    back = list(read_log(p))
    assert [r.kind for r in back] == [r.kind for r in recs]
    assert [canonical(r) for r in back] == [canonical(r) for r in recs]
    plates = back[1]
    assert plates.grams[0, 0] == pytest.approx(1811.23)
    assert np.isnan(plates.grams[0, 1])
    assert back[2].people[0].joints["l_hand"][:3] == (1.235, 0.0, 1.0)
    assert read_header(p).store == "s"


def test_encodings_agree_byte_for_byte_after_conversion(tmp_path: Path) -> None:
    recs = sample_records()
    a, b = tmp_path / "a.jsonl", tmp_path / "b.wlog"
    with LogWriter(a) as w:
        w.write_all(recs)
    with LogWriter(b) as w:
        w.write_all(read_log(a))
    c = tmp_path / "c.jsonl"
    with LogWriter(c) as w:
        w.write_all(read_log(b))
    assert a.read_bytes() == c.read_bytes()


grams_st = st.integers(1, 14).flatmap(
    lambda n: st.lists(
        st.lists(
            st.one_of(st.floats(-5e4, 5e4, allow_nan=False), st.just(float("nan"))),
            min_size=n,
            max_size=n,
        ),
        min_size=1,
        max_size=12,
    )
)


@settings(max_examples=60, deadline=None)
@given(grams=grams_st, t=st.floats(0, 4e9))
def test_any_plate_batch_survives_both_encodings(
    tmp_path_factory: pytest.TempPathFactory, grams: list[list[float]], t: float
) -> None:
    d = tmp_path_factory.mktemp("h")
    n = len(grams[0])
    rec = PlateBatch(
        device="d", t=t, rate_hz=60, plates=[f"F.1.{i + 1}" for i in range(n)], grams=grams
    )
    outs = []
    for suffix in (".jsonl", ".wlog"):
        p = d / f"x{suffix}"
        with LogWriter(p) as w:
            w.write(Header(store="s", source="t", start=0))
            w.write(rec)
        outs.append(canonical(list(read_log(p))[1]))
    assert outs[0] == outs[1] == canonical(rec)


def test_binary_log_streams_many_blocks(tmp_path: Path) -> None:
    p = tmp_path / "big.wlog"
    rng = np.random.default_rng(0)
    with LogWriter(p) as w:
        w.write(Header(store="s", source="t", start=0))
        for i in range(3000):
            w.write(
                PlateBatch(
                    device="G",
                    t=i * 0.2,
                    seq=i,
                    rate_hz=60,
                    plates=[f"G.1.{k}" for k in range(1, 73)],
                    grams=rng.normal(1000, 1, (12, 72)),
                )
            )
    seqs = [r.seq for r in read_log(p) if isinstance(r, PlateBatch)]
    assert seqs == list(range(3000))
    assert p.stat().st_size < 3000 * 12 * 72 * 4 / 2  # compresses to well under half of raw int32


def test_bad_json_line_is_named(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text(
        '{"kind":"header","store":"s","source":"x","start":0}\n{"kind":"plates","device":"G1","t":1,"rate_hz":60,"plates":["a"],"grams":[[1,2]]}\n'
    )
    with pytest.raises(LogError, match=r"bad.jsonl:2: bad plates record: .*1 plates are named"):
        list(read_log(p))


def test_unknown_kind_and_garbage_are_named(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text(
        '{"kind":"header","store":"s","source":"x","start":0}\n{"kind":"teleport","device":"x","t":1}\n'
    )
    with pytest.raises(LogError, match=r"bad\.jsonl:2"):
        list(read_log(p))
    p.write_text('{"kind":"header","store":"s","source":"x","start":0}\nnot json\n')
    with pytest.raises(LogError, match=r"bad\.jsonl:2: not JSON"):
        list(read_log(p))


def test_log_must_start_with_a_header(tmp_path: Path) -> None:
    p = tmp_path / "nohead.jsonl"
    p.write_text('{"kind":"pass","device":"g","t":1,"direction":"in"}\n')
    with pytest.raises(LogError, match="first record must be a header"):
        list(read_log(p))


def test_newer_version_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "new.jsonl"
    p.write_text(
        '{"kind":"header","format":"walkout-log","version":99,"store":"s","source":"x","start":0}\n'
    )
    with pytest.raises(LogError, match="newer than this reader"):
        list(read_log(p))


def test_truncated_binary_is_named(tmp_path: Path) -> None:
    p = tmp_path / "t.wlog"
    with LogWriter(p) as w:
        w.write_all(sample_records())
    data = p.read_bytes()
    p.write_bytes(data[:-10])
    with pytest.raises(LogError, match="truncated block"):
        list(read_log(p))


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="unknown log encoding"):
        LogWriter(tmp_path / "x.csv")


def test_streamed_records_with_fresh_plate_lists_keep_their_own(tmp_path: Path) -> None:
    """Regression: plate lists were cached by id(); a freed record's id is reused
    by the next one, which then got the wrong plates."""

    def stream():
        for i in range(400):
            names = [f"G{i % 7}.1.{k}" for k in range(1, 2 + i % 5)]
            yield PlateBatch(
                device=f"G{i % 7}",
                t=float(i),
                rate_hz=60,
                plates=names,
                grams=np.zeros((12, len(names))),
            )

    p = tmp_path / "s.wlog"
    with LogWriter(p) as w:
        w.write(Header(store="s", source="t", start=0))
        w.write_all(stream())
    back = [r for r in read_log(p) if isinstance(r, PlateBatch)]
    assert [r.plates for r in back] == [r.plates for r in stream()]


def test_a_binary_payload_decodes_to_the_same_records_and_names_corruption() -> None:
    recs = [
        PlateBatch(
            device="G1", t=1.0, rate_hz=60, plates=["a", "b"], grams=[[1.0, None], [2.5, 3.0]]
        ),
        PlateBatch(device="G1", t=1.1, rate_hz=60, plates=["a", "b"], grams=[[1.01, 2.0]]),
    ]
    raw = binary.encode_records(recs)
    objs = binary.decode_objects(raw)
    assert [from_obj(o).model_dump_json() for o in objs] == [r.model_dump_json() for r in recs]
    assert np.isnan(objs[0]["grams"][0, 1]) and objs[1]["grams"].shape == (1, 2)
    with pytest.raises(LogError, match="not a walkout binary payload"):
        binary.decode_objects(b"[1, 2]")
    with pytest.raises(LogError, match="truncated block"):
        binary.decode_objects(raw[:-4])
    with pytest.raises(LogError, match="corrupt block"):
        binary.decode_objects(raw[:-4] + b"\x00" * 4)
    with pytest.raises(LogError, match="decompressed"):
        binary.decode_objects(raw, max_bytes=10)


@pytest.mark.parametrize("field", ["t", "rx"])
@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_a_time_that_is_not_a_number_is_refused_by_name(field: str, value: float) -> None:
    """An infinite arrival time once became the engine's clock for good (every
    receipt after it stamped with no time); a device record's times must be finite."""
    from walkout.eventlog.codec import RecordError

    rec = {"kind": "tracks", "device": "vision-1", "t": 1.7e9, "rx": 1.7e9, "people": []}
    with pytest.raises(RecordError, match=rf"tracks\.{field}: Input should be a finite number"):
        from_obj({**rec, field: value})
