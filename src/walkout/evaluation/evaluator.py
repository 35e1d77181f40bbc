"""One entry point: a run directory against whatever reference is at hand.

The reference is told by its content, not its name: a JSON object with
"receipts" is an official AiFi receipt file, anything else must be a
truth.jsonl.
"""

from __future__ import annotations

from pathlib import Path

from walkout.evaluation.aifi import evaluate_official, load_official, reference_kind
from walkout.evaluation.matching import DEFAULT_TOLERANCE_S
from walkout.evaluation.metrics import evaluate_truth
from walkout.evaluation.result import EvalResult
from walkout.evaluation.runfiles import RunError, read_run
from walkout.evaluation.truth_index import load_truth


def evaluate_run(run_dir: Path, reference: Path, tol: float = DEFAULT_TOLERANCE_S) -> EvalResult:
    """Raises RunError or ValueError (naming the file) on bad input."""
    if not run_dir.is_dir():
        raise RunError(f"{run_dir}: no such run directory (walkout run LOG --out RUN)")
    if not reference.is_file():
        raise ValueError(
            f"{reference}: no such file; expected a truth.jsonl or an official receipt file"
        )
    run = read_run(run_dir)
    if reference_kind(reference) == "official":
        return evaluate_official(
            run, load_official(reference), run_path=str(run_dir), reference=str(reference)
        )
    return evaluate_truth(run, load_truth(reference), run_path=str(run_dir), tol=tol)
