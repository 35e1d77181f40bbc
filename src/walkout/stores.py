"""Find a store by name or path: the built-in examples or a store file.

Built-in names are generated on demand (the layout generator is deterministic,
so the same name always gives the same store); ``nanostore`` is built from the
real AiFi NanoStore layout in the reference data, ``aim3s`` from the AIM3S
shelf replica's products.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from walkout.domain.store import Store
from walkout.storefile import load_store

GENERATED = ("corner-shop", "convenience", "supermarket")
BUILTIN = (*GENERATED, "nanostore", "aim3s")


@lru_cache(maxsize=8)
def builtin_store(name: str) -> Store:
    if name in GENERATED:
        from walkout.twin.layout import generate_store

        return generate_store(name)
    if name == "nanostore":
        from walkout.importers.aifi.store import build_nanostore
        from walkout.paths import aifi_dir

        d = aifi_dir()
        return build_nanostore(d / "store_meta", d / "BENCHMARK-1")
    if name == "aim3s":
        from walkout.importers.aim3s import build_aim3s_store
        from walkout.paths import aim3s_dir

        a = aim3s_dir()
        return build_aim3s_store(a / "product_info.json", a / "weight_calibration.json")
    raise ValueError(
        f"no built-in store {name!r}; choose one of {', '.join(BUILTIN)} or give a file"
    )


def resolve_store(name_or_path: str | Path) -> Store:
    """A built-in name, or the path of a store file (YAML)."""
    s = str(name_or_path)
    if s in BUILTIN:
        return builtin_store(s)
    p = Path(s)
    if not p.exists() and not s.endswith((".yaml", ".yml")):
        raise ValueError(f"no store {s!r}: not a file, and not one of {', '.join(BUILTIN)}")
    return load_store(p)
