"""Pictures of stores and runs; the only part of Walkout that imports matplotlib."""

from walkout.viz.plan import draw_plan

__all__ = ["draw_plan"]
