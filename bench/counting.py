"""A block loader that counts its calls, importable by reference (so a cluster can pickle it).

Used by ``many.py``: the counter lives in this module, so on the local
schedulers and an in-process cluster it sees every load.
"""

from __future__ import annotations

import threading

import numpy as np

_LOCK = threading.Lock()
_LOADS = [0]


def counted_block(rows, cols, block_id=None):
    """Block ``block_id[0]``: standard normals drawn from that seed; counted."""
    with _LOCK:
        _LOADS[0] += 1
    return np.random.default_rng(block_id[0]).standard_normal((rows, cols))


def linear_target(block):
    """A regression target of a block."""
    return block @ np.linspace(-1.0, 1.0, block.shape[1])


def loads():
    """Blocks loaded so far in this process."""
    with _LOCK:
        return _LOADS[0]
