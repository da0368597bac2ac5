"""Every scenario field is documented by the docstring under it, read from one parse of its
module (what pydantic's ``use_attribute_docstrings`` gives, at less cost), and the JSON Schema
of every kind carries those descriptions."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest

from wdnopt.models.scenario import SCENARIO_KINDS
from wdnopt.models.schema import SchemaModel, attribute_docstrings


def _sections(cls: type = SchemaModel) -> Iterator[type[SchemaModel]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _sections(sub)


@pytest.fixture(scope="module")
def sections() -> list[type[SchemaModel]]:
    for kind in SCENARIO_KINDS:  # every schema module imported
        SCENARIO_KINDS[kind]
    found = [c for c in _sections() if c.__module__.startswith("wdnopt.models")]
    assert len(found) >= 15
    return found


def test_every_field_has_its_docstring_as_description(sections: list[type[SchemaModel]]) -> None:
    docs_extraction = pytest.importorskip("pydantic._internal._docs_extraction")
    for cls in sections:
        expected = docs_extraction.extract_docstrings_from_cls(cls, use_inspect=True)
        own = inspect.get_annotations(cls)
        for name, field in cls.model_fields.items():
            if name in own:
                assert field.description == expected.get(name), (cls.__qualname__, name)
            assert field.description, (cls.__qualname__, name)


def test_the_json_schema_carries_the_descriptions() -> None:
    schema = SCENARIO_KINDS["routing"].model_json_schema()
    plant = schema["$defs"]["Plant"]["properties"]
    assert all(p.get("description") for p in plant.values())
    assert "ML/day" in plant["capacity"]["description"]


def test_a_class_defined_in_a_function_and_classes_of_one_name() -> None:
    assert attribute_docstrings(__name__, "NoSuchClass") == {}
    assert attribute_docstrings("no.such.module", "X") == {}

    def make(twice: bool) -> type[SchemaModel]:
        if twice:

            class Local(SchemaModel):
                size: float = 1.0
                """How big, m."""

        else:

            class Local(SchemaModel):  # type: ignore[no-redef]
                size: float = 2.0
                """How big, km."""

                name: str
                """What it is called."""

        return Local

    first, second = make(True), make(False)
    assert first.model_fields["size"].description == "How big, m."
    assert second.model_fields["size"].description == "How big, km."
    assert second.model_fields["name"].description == "What it is called."
    assert second.model_fields["name"].is_required()
    assert second(name="x").size == 2.0
