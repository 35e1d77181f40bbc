"""Reading and writing store files (YAML), with errors a person can act on.

An error names the file, the field's path (``fixtures[3] (G04).shelves[1].size``)
and why; the CLI prints it and exits non-zero rather than showing a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from walkout.domain.store import Problem, Store, StoreProblems

try:  # libyaml is ten times faster on the supermarket's file
    _Loader: type = yaml.CSafeLoader
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper


class StoreFileError(Exception):
    """A store file that cannot be used, with every problem found in it."""

    def __init__(self, file: str | Path, problems: list[Problem]):
        self.file = str(file)
        self.problems = problems
        super().__init__("\n".join(f"{self.file}: {p}" for p in problems))


def load_store(path: str | Path) -> Store:
    p = Path(path)
    data = _read_yaml(p)
    if not isinstance(data, dict):
        raise StoreFileError(
            p, [Problem(path="", message="a store file must be a mapping of fields")]
        )
    cat = data.get("catalogue")
    if isinstance(cat, str):  # the catalogue may live in its own file, relative to this one
        cat_path = (p.parent / cat).resolve()
        cat_data = _read_yaml(cat_path)
        if isinstance(cat_data, dict) and "catalogue" in cat_data:
            cat_data = cat_data["catalogue"]
        if not isinstance(cat_data, list):
            raise StoreFileError(
                cat_path, [Problem(path="", message="a catalogue file must be a list of products")]
            )
        data = {**data, "catalogue": cat_data}
    return parse_store(data, p)


def parse_store(data: dict[str, Any], source: str | Path = "<store>") -> Store:
    try:
        return Store.model_validate(data)
    except ValidationError as e:
        raise StoreFileError(source, problems_from(e, data)) from None


def problems_from(e: ValidationError, data: Any) -> list[Problem]:
    out: list[Problem] = []
    for err in e.errors():
        ctx_err = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_err, StoreProblems):
            out.extend(ctx_err.problems)
            continue
        msg = err["msg"].removeprefix("Value error, ")
        out.append(Problem(path=_path(err["loc"], data), message=msg))
    return out


def _path(loc: tuple[Any, ...], data: Any) -> str:
    """('fixtures', 3, 'shelves', 1) -> 'fixtures[3] (G04).shelves[1]'."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict):
                name = node.get("id") or node.get("sku") or node.get("product")
                if isinstance(name, str):
                    out += f" ({name})"
        else:
            if isinstance(node, dict) or node is None:
                node = node.get(part) if isinstance(node, dict) else None
            # pydantic names union branches ('int', 'list[Plate]'); they are noise here
            if part in ("int", "list[Plate]", "str", "float"):
                continue
            out += ("." if out else "") + str(part)
    return out


def _read_yaml(p: Path) -> Any:
    if not p.is_file():
        raise StoreFileError(p, [Problem(path="", message="no such file")])
    try:
        with open(p, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        raise StoreFileError(
            p, [Problem(path=where, message=f"not valid YAML: {problem}")]
        ) from None
    except UnicodeDecodeError as e:
        raise StoreFileError(p, [Problem(path="", message=f"not UTF-8 text: {e}")]) from None


class _FlowDumper(_Dumper):  # type: ignore[misc,valid-type]
    """Short lists of numbers (points, sizes) on one line; everything else block style."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = len(data) <= 14 and all(
        isinstance(x, int | float | str) and not isinstance(x, bool) for x in data
    )
    flow = flow or (len(data) <= 64 and all(isinstance(x, str) for x in data))
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_FlowDumper.add_representer(list, _represent_list)
_FlowDumper.add_representer(tuple, _represent_list)


def store_to_yaml(store: Store) -> str:
    data = store.model_dump(mode="json", exclude_defaults=True)
    data = {"format": store.format, **data}
    return yaml.dump(data, Dumper=_FlowDumper, sort_keys=False, allow_unicode=True, width=120)


def save_store(store: Store, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(store_to_yaml(store), encoding="utf-8")
    return p
