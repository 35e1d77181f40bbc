"""The event log's records: the contract between devices, the twin, importers,
the engine and the server.

Every record says which ``device`` sent it and when, by that device's own clock
(``t``, seconds since the Unix epoch). ``rx`` is when the store received it, by
the store's clock; a log is kept in arrival order. Clocks disagree, which is
why both are kept. The format is documented in docs/event-log.md; bump
``LOG_VERSION`` on any change a reader could trip on.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    model_validator,
)

LOG_FORMAT = "walkout-log"
LOG_VERSION = 1

Joint = Literal[
    "head",
    "neck",
    "l_shoulder",
    "r_shoulder",
    "l_elbow",
    "r_elbow",
    "l_wrist",
    "r_wrist",
    "l_hand",
    "r_hand",
]
#: Body points of a tracked person, in the order the binary encoding stores them.
JOINTS: tuple[str, ...] = get_args(Joint)


def _to_grams(v: Any) -> np.ndarray:
    if isinstance(v, np.ndarray):
        a = v.astype(np.float64, copy=False)
    else:
        try:  # the common case, no missing readings: numpy converts it in one go
            a = np.array(v, dtype=np.float64)
        except (TypeError, ValueError):
            a = None
    if a is None:
        try:
            a = np.array([[np.nan if x is None else x for x in row] for row in v], dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ValueError(f"grams must be rows of numbers or null ({e})") from None
    if a.ndim != 2 or a.shape[0] == 0:
        raise ValueError(f"grams must be a non-empty list of rows, got shape {a.shape}")
    if np.isinf(a).any():
        raise ValueError("grams holds an infinite value")
    return a


def _grams_to_list(a: np.ndarray) -> list[list[float | None]]:
    return [[None if np.isnan(x) else float(x) for x in row] for row in np.round(a, 2)]


Grams = Annotated[
    np.ndarray,
    BeforeValidator(_to_grams),
    PlainSerializer(_grams_to_list, return_type=list),
]

#: COCO-17 body keypoints, in the order every ``keypoints`` record lists them.
COCO_KEYPOINTS: tuple[str, ...] = (
    "nose",
    "l_eye",
    "r_eye",
    "l_ear",
    "r_ear",
    "l_shoulder",
    "r_shoulder",
    "l_elbow",
    "r_elbow",
    "l_wrist",
    "r_wrist",
    "l_hip",
    "r_hip",
    "l_knee",
    "r_knee",
    "l_ankle",
    "r_ankle",
)


def _to_keypoints(v: Any) -> np.ndarray:
    try:
        a = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"people must be lists of [u, v, score] ({e})") from None
    if a.size == 0:
        return np.empty((0, len(COCO_KEYPOINTS), 3))
    if a.ndim != 3 or a.shape[1:] != (len(COCO_KEYPOINTS), 3):
        raise ValueError(f"each person needs 17 keypoints [u, v, score], got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError("keypoints hold a non-finite value")
    return a


Keypoints = Annotated[
    np.ndarray,
    BeforeValidator(_to_keypoints),
    PlainSerializer(lambda a: np.round(a, 2).tolist(), return_type=list),
]


class _Record(BaseModel):
    # a NaN or infinite time would become the engine's clock (max of times seen) for good
    model_config = ConfigDict(
        frozen=True, extra="forbid", arbitrary_types_allowed=True, allow_inf_nan=False
    )

    device: str = Field(min_length=1, max_length=128)
    t: float = Field(description="device clock, seconds since the Unix epoch")
    rx: float | None = Field(default=None, description="store clock at arrival")
    seq: int | None = Field(default=None, ge=0, description="per-device message counter")


class Header(BaseModel):
    """First record of every log: what it is and where it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["header"] = "header"
    format: Literal["walkout-log"] = LOG_FORMAT
    version: int = LOG_VERSION
    store: str = Field(description="id of the store file the log refers to")
    source: str = Field(description="twin, aifi, live, ...")
    start: float = Field(description="epoch seconds at which the log starts")
    meta: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_version(self) -> Header:
        if self.version > LOG_VERSION:
            raise ValueError(
                f"log version {self.version} is newer than this reader ({LOG_VERSION}); upgrade walkout"
            )
        return self


class PlateBatch(_Record):
    """Samples from one shelf controller: ``grams[i][j]`` is plate ``plates[j]``
    at ``t + i / rate_hz``. Absolute values are not zeroed and drift; only
    changes mean anything. ``NaN`` (``null`` in JSON) is a missing reading."""

    kind: Literal["plates"] = "plates"
    rate_hz: float = Field(gt=0)
    plates: list[str] = Field(min_length=1)
    grams: Grams

    @model_validator(mode="after")
    def _shape(self) -> PlateBatch:
        if self.grams.shape[1] != len(self.plates):
            raise ValueError(
                f"grams rows have {self.grams.shape[1]} values but {len(self.plates)} plates are named"
            )
        return self

    @property
    def n_samples(self) -> int:
        return int(self.grams.shape[0])


class TrackedPerson(BaseModel):
    """One anonymous person in a tracker frame. ``id`` is a per-visit random id;
    each joint is ``[x, y, z, score]`` in metres in the store frame. Joints the
    tracker did not see are left out."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    joints: dict[Joint, tuple[float, float, float, float]]


class TrackFrame(_Record):
    """Everyone the tracker saw at ``t``."""

    kind: Literal["tracks"] = "tracks"
    people: list[TrackedPerson] = Field(default_factory=list)


class Credential(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["qr", "card", "staff"]
    token: str = Field(min_length=1, max_length=512)


class GateEntry(_Record):
    """A credential was shown at an entry gate; up to ``admits`` people may pass on it."""

    kind: Literal["entry"] = "entry"
    credential: Credential
    admits: int = Field(default=1, ge=1, le=16)


class GatePass(_Record):
    """A person crossed the gate's beam."""

    kind: Literal["pass"] = "pass"
    direction: Literal["in", "out"]


class RfidTag(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    epc: str = Field(min_length=1, max_length=128, description="EPC pure identity URI (SGTIN)")
    rssi: float | None = None


class RfidRead(_Record):
    """Tags seen by an exit reader in one inventory round."""

    kind: Literal["rfid"] = "rfid"
    tags: list[RfidTag] = Field(min_length=1)


class Recognition(_Record):
    """In-hand product recognition: a camera's ranked guesses at what a hand holds."""

    kind: Literal["recognition"] = "recognition"
    track: str | None = Field(default=None, description="track id of the person holding it")
    hand: Literal["left", "right"] | None = None
    top: list[tuple[str, float]] = Field(min_length=1, max_length=10, description="(sku, score)")


class KeypointFrame(_Record):
    """One camera frame of a 2-D pose estimator: ``people[i][k]`` is COCO keypoint
    ``k`` of detection ``i`` as ``[u, v, score]`` in pixels of the raw (distorted)
    image; score 0 means not seen. Detections are anonymous: no ids, no faces,
    no appearance."""

    kind: Literal["keypoints"] = "keypoints"
    people: Keypoints = Field(default_factory=lambda: np.empty((0, len(COCO_KEYPOINTS), 3)))


class Ambiguity(_Record):
    """Two tracks came too close to tell apart from ``t_start`` on (``t_end`` None:
    still close). Events of either track in the window are less certain."""

    kind: Literal["ambiguity"] = "ambiguity"
    tracks: tuple[str, str]
    t_start: float
    t_end: float | None = None
    min_distance_m: float = Field(ge=0, description="closest the two came in the window")


class IdVerification(_Record):
    """A member of staff checked a shopper's ID for an age-restricted item (an
    ``id_check`` task): ``verified`` the shopper may buy it, or refused. Written by
    the server for staff (never accepted from a device), so a replay of the log
    gives store operations the same answers at the same point."""

    kind: Literal["id_verification"] = "id_verification"
    session: str = Field(min_length=1, max_length=64, description="the engine's session id")
    verified: bool
    by: str = Field(min_length=1, max_length=64, description="who checked (staff token id)")
    task: str | None = Field(default=None, max_length=64, description="the id_check task")


class AgePolicySet(_Record):
    """The store's age-check policy changed (store settings): store operations decide
    receipts by it from this record on. Written by the server, never by a device."""

    kind: Literal["age_policy"] = "age_policy"
    policy: Literal["block_exit", "charge_on_verification", "remove_item", "off"]
    by: str = Field(min_length=1, max_length=64)


class ReviewThresholdSet(_Record):
    """The store's review threshold changed (store settings): the engine judges every
    receipt it issues from this record on by it (docs/engine.md, review threshold).
    Written by the server, never by a device."""

    kind: Literal["review_threshold"] = "review_threshold"
    threshold: float = Field(gt=0.5, lt=1.0, description="a line below this waits for a human")
    by: str = Field(min_length=1, max_length=64)


class ShelfLabel(_Record):
    """A reviewer's word on what moved at one shelf event (from a review decision):
    store operations correct the live inventory by it. Written by the server, never
    by a device; ``moves`` empty: nothing moved."""

    kind: Literal["shelf_label"] = "shelf_label"
    event: str = Field(min_length=1, max_length=64, description="the engine's shelf event id")
    moves: list[tuple[Literal["take", "put"], str, Annotated[int, Field(ge=1, le=1000)]]] = Field(
        default_factory=list, max_length=64, description="(take or put, sku, units)"
    )
    by: str = Field(min_length=1, max_length=64, description="who decided (reviewer token id)")


#: Record kinds written by the server for people (staff, admins), not by devices.
STAFF_KINDS: tuple[str, ...] = ("id_verification", "age_policy", "shelf_label", "review_threshold")
StaffInput = IdVerification | AgePolicySet | ShelfLabel | ReviewThresholdSet

Record = Annotated[
    Header
    | PlateBatch
    | TrackFrame
    | GateEntry
    | GatePass
    | RfidRead
    | Recognition
    | KeypointFrame
    | Ambiguity
    | IdVerification
    | AgePolicySet
    | ShelfLabel
    | ReviewThresholdSet,
    Field(discriminator="kind"),
]
RECORD_ADAPTER: TypeAdapter[Any] = TypeAdapter(Record)
RECORD_KINDS: dict[str, type[BaseModel]] = {
    "header": Header,
    "plates": PlateBatch,
    "tracks": TrackFrame,
    "entry": GateEntry,
    "pass": GatePass,
    "rfid": RfidRead,
    "recognition": Recognition,
    "keypoints": KeypointFrame,
    "ambiguity": Ambiguity,
    "id_verification": IdVerification,
    "age_policy": AgePolicySet,
    "shelf_label": ShelfLabel,
    "review_threshold": ReviewThresholdSet,
}
#: a record some device stamped: every record but the header
DeviceRecord = (
    PlateBatch
    | TrackFrame
    | GateEntry
    | GatePass
    | RfidRead
    | Recognition
    | KeypointFrame
    | Ambiguity
    | IdVerification
    | AgePolicySet
    | ShelfLabel
    | ReviewThresholdSet
)
AnyRecord = Header | DeviceRecord


_ALL_FIELDS: dict[type[Any], set[str]] = {}


def construct(cls: type[Any], **values: Any) -> Any:
    """Build a record without validation, for producers that are correct by
    construction (the twin). Every field must be given. About three times faster
    than ``model_construct``, which matters at 100,000 records a second."""
    m = cls.__new__(cls)
    object.__setattr__(m, "__dict__", values)
    # every field is set; records are frozen, so one set per class can be shared
    object.__setattr__(
        m, "__pydantic_fields_set__", _ALL_FIELDS.setdefault(cls, set(cls.model_fields))
    )
    object.__setattr__(m, "__pydantic_extra__", None)
    object.__setattr__(m, "__pydantic_private__", None)
    return m
