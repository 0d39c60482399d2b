"""Draw docs/_static/chain.png, the graph of a 4-step fit (needs graphviz's ``dot``).

Run from the repository root: ``python docs/chain_png.py``.
"""

import os

import dask.array as da
from sklearn.linear_model import SGDRegressor

from dask_incr import draw_chain, fit_blocks

HERE = os.path.dirname(os.path.abspath(__file__))

rng = da.random.default_rng(0)
X = rng.normal(size=(40, 3), chunks=10)  # 4 row blocks: "normal" tasks
y = rng.normal(size=40, chunks=10)
lazy = fit_blocks(SGDRegressor(random_state=0), X, y, compute=False)  # prefetch=1
draw_chain(lazy, filename=os.path.join(HERE, "_static", "chain.png"))
