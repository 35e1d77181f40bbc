"""The store layout generator: floor, fixtures, catalogue, planogram and cameras from a kind and a seed."""

from walkout.twin.layout.cameras import coverage_map, place_cameras, project
from walkout.twin.layout.generator import generate_store
from walkout.twin.layout.kinds import KINDS
from walkout.twin.layout.stats import StoreSummary, near_weight_pairs, summarize
from walkout.twin.layout.walkable import floor_grid, reachability

__all__ = [
    "KINDS",
    "StoreSummary",
    "coverage_map",
    "floor_grid",
    "generate_store",
    "near_weight_pairs",
    "place_cameras",
    "project",
    "reachability",
    "summarize",
]
