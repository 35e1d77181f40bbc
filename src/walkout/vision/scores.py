"""The tracker's scores against the truth, as a file format (no scoring code here,
so that ``walkout eval`` can read them without loading py-motmetrics)."""

from __future__ import annotations

from pydantic import BaseModel


class TrackMove(BaseModel):
    """A track that went from one true person to someone of another account:
    at ``t``, ``m_from`` and ``m_to`` metres (necks, on the floor) from each
    (``m_from`` None when the first person was out of sight)."""

    t: float
    track: str
    person_from: str
    person_to: str
    m_from: float | None
    m_to: float
    flagged: bool


class VisionScores(BaseModel):
    """What ``walkout.vision.metrics.TrackScorer`` measured over a run."""

    frames: int
    sessions: int
    mota: float
    idf1: float
    id_switches: int
    cross_session_switches: int
    cross_account_switches: int
    cross_account_flagged: int
    cross_account_per_1000_sessions: float
    cross_account_switches_per_frame: int | None = None
    moves: list[TrackMove] = []
    hand_error_median_m: float
    hand_error_p90_m: float
    hands_matched: int
    ambiguity_windows: int
