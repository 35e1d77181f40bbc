"""Vision: 3-D tracks of anonymous people from many cameras' 2-D body keypoints.

Camera models come from the store file (``cameras``), detections are matched
across cameras by epipolar geometry and reprojection (``association``),
triangulated robustly (``triangulation``), filtered in 3-D (``kalman``) and
kept as tracks born at entrances and ended at exits (``tracker``), then written
as the same ``tracks`` records a vendor's tracker sends (``output``).
``pipeline.track_log`` turns a log with ``keypoints`` into one with ``tracks``.
Identity is track continuity only: no faces, no appearance.
"""
