"""Python's cyclic garbage collector held off while a large network is built or read.

Building or reading a network of 10⁵ elements allocates millions of objects that live as long
as the network; every few hundred thousand of them Python runs a full collection over all of
them, which finds nothing and costs seconds in total. :func:`paused_gc` turns the collector
off for a block and back on after it (if it was on): what the block leaves unreachable is
collected at the next collection after it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off for the block, on again after it if it was on."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
