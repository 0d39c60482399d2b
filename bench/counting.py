"""A block loader that counts its calls and the blocks alive, importable by reference.

Used by ``many.py``: the counters live in this module, so on the local
schedulers and an in-process cluster they see every load (a cluster pickles
the loader by reference).
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

_LOCK = threading.Lock()
_COUNTS = {"loads": 0, "live": 0, "peak": 0}


def counted_block(rows, cols, block_id=None):
    """Block ``block_id[0]``: standard normals drawn from that seed; counted while alive."""
    block = np.random.default_rng(block_id[0]).standard_normal((rows, cols))
    with _LOCK:
        _COUNTS["loads"] += 1
        _COUNTS["live"] += 1
        _COUNTS["peak"] = max(_COUNTS["peak"], _COUNTS["live"])
    weakref.finalize(block, _released)
    return block


def _released():
    with _LOCK:
        _COUNTS["live"] -= 1


def linear_target(block):
    """A regression target of a block."""
    return block @ np.linspace(-1.0, 1.0, block.shape[1])


def loads():
    """Blocks loaded so far in this process."""
    with _LOCK:
        return _COUNTS["loads"]


def reset_peak():
    """Start a new peak of blocks alive at once from those alive now."""
    with _LOCK:
        _COUNTS["peak"] = _COUNTS["live"]


def peak():
    """Most blocks alive at once since :func:`reset_peak`."""
    with _LOCK:
        return _COUNTS["peak"]
