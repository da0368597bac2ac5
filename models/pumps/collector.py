"""Python's cyclic garbage collector held off while a large network is built or read.

Building or reading a network of 10⁵ elements allocates millions of objects that live as long
as the network; every few hundred thousand of them Python runs a full collection over all of
them, which finds nothing and costs seconds in total. :func:`paused_gc` turns the collector
off for a block and back on after it (if it was on): what the block leaves unreachable is
collected at the next collection after it. :func:`frozen_gc` keeps the collector on but leaves
out of its work every object alive when the block starts (the networks and problems a run
keeps to its end), so that its collections do not walk millions of objects each time.
:func:`freeze_at_exit` does the same when the interpreter shuts down, whose last collection
would otherwise walk them all once more (about a second after a 100,000-junction network) only
to hand the memory back to the system a moment later; finalizers registered with ``weakref``
and ``atexit`` (temporary folders) still run.
"""

from __future__ import annotations

import atexit
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


@contextmanager
def frozen_gc() -> Iterator[None]:
    """Every object alive now moved out of the collector's reach for the block
    (``gc.freeze``), and back after it (``gc.unfreeze``)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


_AT_EXIT: list[bool] = []


def freeze_at_exit() -> None:
    """Move every object out of the collector's reach when the interpreter exits (once)."""
    if not _AT_EXIT:
        atexit.register(gc.freeze)
        _AT_EXIT.append(True)
