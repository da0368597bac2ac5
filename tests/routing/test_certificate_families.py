"""Every constraint family of the routing model is accounted for by the certificate.

The family table (:data:`~wdnopt.models.routing.certificate.FAMILIES`) names each row
component and each variable whose bounds are constraints, and the certificate fields that
check it. The models of every shipped routing scenario (plain and elastic), and of a generated
scenario with the families the shipped ones miss, must have no component outside the table,
and every entry of the table must occur in one of them: a constraint added to a builder without
its certificate entry fails here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pyomo.environ as pyo
import pytest

from wdnopt.models.routing.builder import build_routing_model, define_shortage_cap
from wdnopt.models.routing.certificate import (
    FAMILIES,
    FAMILY,
    VIOLATIONS,
    RoutingCertificate,
    certify,
)
from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.routing.schema import RoutingScenario
from wdnopt.models.scenario import load_scenario

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios/routing"

# Families no shipped scenario has: junction and storage balances, the peak of a demand charge
# (arcs of known energy), the capacity of a committed plant that may be upgraded.
GENERATED: dict[str, Any] = {
    "name": "every family",
    "energy_price": 0.1,
    "demand_charge": 2,
    "schedule": {"periods": 2, "profile_kind": "absolute"},
    "sources": [{"id": "S", "capacity": 100}],
    "plants": [
        {"id": "P", "capacity": 30, "min_throughput": 5, "upgrade_capacity": 20, "upgrade_cost": 3}
    ],
    "zones": [{"id": "Z", "demand": 24, "profile": [0, 24]}],
    "storages": [{"id": "R", "capacity": 12, "start": 0, "end": 0}],
    "junctions": [{"id": "J"}],
    "arcs": [
        {"from": "S", "to": "P"},
        {"from": "P", "to": "J", "energy": 12},
        {"from": "J", "to": "R"},
        {"from": "J", "to": "Z"},
        {"from": "R", "to": "Z"},
    ],
}


@cache
def _scenarios() -> dict[str, RoutingScenario]:
    """The generated scenario and every shipped routing scenario, by name."""
    out = {"generated": RoutingScenario.model_validate(GENERATED)}
    for path in sorted(SHIPPED.glob("*.toml")):
        scenario = load_scenario(path)
        if isinstance(scenario, RoutingScenario):  # a sweep file is not one model
            out[path.stem] = scenario
    return out


def _components(scenario: RoutingScenario, *, elastic: bool) -> dict[str, str]:
    """Component name → ``rows`` or ``bounds`` of the model of ``scenario`` (with the
    diagnosis's phase-2 cap in the elastic one)."""
    h = build_routing_model(RoutingNetwork.from_scenario(scenario), elastic=elastic)
    if elastic:
        define_shortage_cap(h, 0.0)
    model = h.model
    found = {c.local_name: "rows" for c in model.component_objects(pyo.Constraint)}
    found.update({v.local_name: "bounds" for v in model.component_objects(pyo.Var)})
    return found


@cache
def _built() -> dict[str, dict[str, str]]:
    """Every component of every model built here, by the model that has it."""
    out: dict[str, dict[str, str]] = {}
    for name, scenario in _scenarios().items():
        for elastic in (False, True):
            label = f"{name}{' (elastic)' if elastic else ''}"
            for component, kind in _components(scenario, elastic=elastic).items():
                out.setdefault(component, {})[label] = kind
    return out


@pytest.mark.parametrize("name", list(_scenarios()))
def test_every_component_of_the_model_has_its_family(name: str) -> None:
    scenario = _scenarios()[name]
    for elastic in (False, True):
        for component, kind in _components(scenario, elastic=elastic).items():
            assert component in FAMILY, (
                f"{name}: {component} ({kind}) has no entry in FAMILIES "
                "(models/routing/certificate.py): which certificate field checks it?"
            )
            assert FAMILY[component].kind == kind, (name, component)


def test_every_family_occurs_in_some_model() -> None:
    built = _built()
    missing = [f.component for f in FAMILIES if f.component not in built]
    assert not missing, f"families no model built here has (stale entries?): {missing}"


def test_every_family_names_certificate_fields_or_why_none() -> None:
    scenario = RoutingScenario.model_validate(GENERATED)
    net = RoutingNetwork.from_scenario(scenario)
    cert = certify(net, [0.0] * (net.n_arcs * net.n_periods))
    cost_fields = set(type(cert.costs).__dataclass_fields__)
    named: set[str] = set()
    for family in FAMILIES:
        assert family.checked_by or family.why, family.component
        for field in family.checked_by:
            head, _, part = field.partition(".")
            if head == "costs":
                assert part in cost_fields, (family.component, field)
            else:
                assert field in VIOLATIONS, (family.component, field)
                named.add(field)
    assert named == set(VIOLATIONS), "every violation of the certificate checks some family"
    assert set(VIOLATIONS) <= set(RoutingCertificate.__dataclass_fields__)
    assert len(FAMILY) == len(FAMILIES), "one entry per component"


def test_duals_are_read_through_one_family_each() -> None:
    rows = [f.prices for f in FAMILIES if f.kind == "rows" and f.prices is not None]
    assert len(rows) == len(set(rows)), "one row family per priced value"
