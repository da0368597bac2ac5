"""Quality classes: which plants may serve which zones, and at what treatment premium.

A zone may name the class of water it needs (say ``hospital``). A plant lists the classes it can
deliver (none listed: every class) and may charge a premium per class ($/ML extra for water it
delivers to a zone of that class). An arc from a plant to a zone whose class the plant cannot
deliver is closed (its flow is fixed at 0); an open arc's cost includes the premium.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Quality:
    """Quality classes of a routing network."""

    class_ids: tuple[str, ...]
    zone_class: np.ndarray
    """Class index each zone needs (−1: any water), shape (zones,)."""
    plant_offers: np.ndarray
    """Whether each plant can deliver each class, bool, shape (plants, classes)."""
    plant_premium: np.ndarray
    """Extra treatment cost of each plant for each class, $/ML, shape (plants, classes)."""


def arc_quality(
    quality: Quality | None,
    tail: np.ndarray,
    head: np.ndarray,
    plant_offset: int,
    zone_offset: int,
    n_zones: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per arc: closed (bool) and premium ($/ML). An arc into a zone needing a class is open
    only from a plant that delivers the class (from any other node it is closed: quality is
    not traced through junctions or storage)."""
    n = len(tail)
    closed = np.zeros(n, dtype=bool)
    premium = np.zeros(n)
    if quality is None:
        return closed, premium
    into_zone = np.flatnonzero((head >= zone_offset) & (head < zone_offset + n_zones))
    cls = quality.zone_class[head[into_zone] - zone_offset]
    has = cls >= 0
    arcs, cls = into_zone[has], cls[has]
    from_plant = (tail[arcs] >= plant_offset) & (tail[arcs] < zone_offset)
    closed[arcs[~from_plant]] = True
    arcs, cls = arcs[from_plant], cls[from_plant]
    plant = tail[arcs] - plant_offset
    closed[arcs] = ~quality.plant_offers[plant, cls]
    premium[arcs] = quality.plant_premium[plant, cls]
    return closed, premium
