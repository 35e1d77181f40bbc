"""A store's layout, computed once per store object: ``Layout.of`` takes about
0.1 s on the convenience store (1,534 plates), and the floor page polls."""

from __future__ import annotations

import threading

from walkout.domain.layout import Layout
from walkout.domain.store import Store

_lock = threading.Lock()
_layouts: dict[int, tuple[Store, Layout]] = {}


def layout_of(st: Store) -> Layout:
    with _lock:
        hit = _layouts.get(id(st))
        if hit is not None and hit[0] is st:
            return hit[1]
    lay = Layout.of(st)
    with _lock:
        if len(_layouts) > 64:
            _layouts.clear()
        _layouts[id(st)] = (st, lay)
    return lay
