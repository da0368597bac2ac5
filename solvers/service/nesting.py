"""How deep a request body nests, measured before any parser sees it.

Python's TOML and JSON parsers recurse into nested arrays and tables (a few thousand levels
end in a ``RecursionError``), and ``tomllib`` takes time and memory quadratic in the parts of
one dotted key (``a.a.a… = 1``: 16,000 parts take over a gigabyte). So a body is measured
first, in linear time and without building anything: the deepest nesting of brackets and
braces outside strings and comments, and for TOML the most parts of one dotted key or table
header. Both are regular-expression passes over the text (the strings blanked first), so the
cost is that of reading the text once or twice, whatever it holds.

After parsing, :func:`data_depth` measures the nesting of the data itself (a table header, a
dotted key and inline tables add up), so that nothing deeper than the server's limit reaches
the validation.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np

_BARE = r"[A-Za-z0-9_-]++"
# Each string pattern matches at its opening quote, closed or not (an open one runs to the end
# of its line or of the text): no opening quote is tried twice, so one pass whatever the text.
_TOML_STRINGS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*+(?:"""(?:"{0,2})|\\?\Z)'  # multi-line basic
    r"|'''(?:[^']|'(?!''))*+(?:'''(?:'{0,2})|\Z)"  # multi-line literal
    r'|"(?:[^"\\\n]|\\[^\n])*+"?'  # basic
    r"|'[^'\n]*+'?"  # literal
    r"|(?P<comment>#[^\n]*+)",
    re.DOTALL,
)
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_STEPS = np.zeros(256, dtype=np.int8)
_STEPS[[ord("["), ord("{")]] = 1
_STEPS[[ord("]"), ord("}")]] = -1


@lru_cache(maxsize=8)
def _long_key(parts: int) -> re.Pattern[str]:
    """A dotted key of more than ``parts`` parts (strings already blanked to a bare word)."""
    return re.compile(rf"(?<![A-Za-z0-9_-]){_BARE}(?:[ \t]*+\.[ \t]*+{_BARE}){{{parts},}}")


def _blank_toml(match: re.Match[str]) -> str:
    """A comment goes; a string becomes one bare word (a quoted key part stays a part)."""
    return "" if match.group("comment") is not None else "s"


def bracket_depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in ``text`` (strings already blanked): the most
    openers less closers from any point on, so stray closers hide no opener after them."""
    brackets = _NOT_BRACKET.sub("", text).encode("ascii")
    if not brackets:
        return 0
    count = np.cumsum(_STEPS[np.frombuffer(brackets, dtype=np.uint8)], dtype=np.int64)
    count = np.concatenate(([0], count))
    return int((count - np.minimum.accumulate(count)).max())


def toml_nesting(text: str, max_depth: int) -> tuple[str, int] | None:
    """What in a TOML text goes beyond ``max_depth``: ``("dotted key", parts)`` for a key or
    table header of more parts, ``("nesting", levels)`` for brackets nested deeper; None when
    neither does."""
    plain = _TOML_STRINGS.sub(_blank_toml, text)
    key = _long_key(max_depth).search(plain)
    if key is not None:
        return "dotted key", key.group().count(".") + 1
    depth = bracket_depth(plain)
    return ("nesting", depth) if depth > max_depth else None


def json_nesting(text: str, max_depth: int) -> tuple[str, int] | None:
    """``("nesting", levels)`` when a JSON text nests arrays and objects deeper than
    ``max_depth``, else None."""
    depth = bracket_depth(_JSON_STRING.sub("s", text))
    return ("nesting", depth) if depth > max_depth else None


def data_depth(data: Any) -> int:
    """Levels of nested tables and arrays in parsed data (a scalar: 0), without recursion."""
    deepest = 0
    todo: list[tuple[Any, int]] = [(data, 1)]
    while todo:
        value, depth = todo.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        todo.extend((child, depth + 1) for child in children)
    return deepest
