"""JSON for documents nested deeper than the C codecs go: an explicit stack instead of recursion.

orjson stops at 1024 levels when decoding and 255 when encoding, and the stdlib codecs at Python's
recursion limit (about 1000); PostgreSQL stores JSONB about 13 000 levels deep with its default
max_stack_depth. jsonutil falls back to these two functions only when the fast codecs refuse a document,
so their speed matters little. Values match the stdlib's: its own string scanner and number rules decode
every leaf, and its encoder writes every leaf.
"""

from __future__ import annotations

import json
import re
from json import JSONDecodeError
from json.decoder import scanstring  # type: ignore[attr-defined]  # public since 2.6, untyped
from json.scanner import NUMBER_RE
from collections.abc import Callable
from typing import Any, Final

WHITESPACE: Final = re.compile(r"[ \t\n\r]*")
CONSTANTS: Final = {"null": None, "true": True, "false": False, "NaN": float("nan"), "Infinity": float("inf"),
                    "-Infinity": float("-inf")}  # fmt: skip
_END: Final[Any] = object()


class TooDeep(ValueError):
    """The document nests more than the caller allows."""


def loads(text: str, *, max_depth: int | None = None) -> Any:
    """json.loads without recursion; JSONDecodeError (with the stdlib's messages) for malformed text."""
    position = WHITESPACE.match(text, 0).end()  # type: ignore[union-attr]
    # Open containers, innermost last, each with the key its next value goes under (None in a list).
    stack: list[tuple[dict[str, Any] | list[Any], str | None]] = []
    while True:
        value, position, opened = _value(text, position)
        if opened is not None:
            if max_depth is not None and len(stack) >= max_depth:
                raise TooDeep(f"nested deeper than {max_depth} levels")
            position = WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
            closing = "}" if isinstance(opened, dict) else "]"
            if text.startswith(closing, position):
                value, position = opened, position + 1
            else:
                key = None
                if isinstance(opened, dict):
                    key, position = _key(text, position)
                stack.append((opened, key))
                continue
        # A complete value: file it in its container, closing every container it completes.
        while stack:
            container, key = stack[-1]
            if key is None:
                container.append(value)  # type: ignore[union-attr]
            else:
                container[key] = value  # type: ignore[call-overload]
            position = WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
            is_object = isinstance(container, dict)
            if text.startswith(",", position):
                position = WHITESPACE.match(text, position + 1).end()  # type: ignore[union-attr]
                if is_object:
                    key, position = _key(text, position)
                    stack[-1] = (container, key)
                break
            if text.startswith("}" if is_object else "]", position):
                stack.pop()
                value, position = container, position + 1
                continue
            raise JSONDecodeError("Expecting ',' delimiter", text, position)
        else:
            end = WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
            if end != len(text):
                raise JSONDecodeError("Extra data", text, end)
            return value


def _value(text: str, position: int) -> tuple[Any, int, dict[str, Any] | list[Any] | None]:
    """The scalar at `position` and where it ends, or a new empty container (third item) to fill."""
    char = text[position : position + 1]
    if char == "{":
        return None, position + 1, {}
    if char == "[":
        return None, position + 1, []
    if char == '"':
        string, end = scanstring(text, position + 1, True)
        return string, end, None
    number = NUMBER_RE.match(text, position)
    if number is not None:
        integer, fraction, exponent = number.groups()
        if fraction or exponent:
            return float(integer + (fraction or "") + (exponent or "")), number.end(), None
        return int(integer), number.end(), None
    for word, constant in CONSTANTS.items():
        if text.startswith(word, position):
            return constant, position + len(word), None
    raise JSONDecodeError("Expecting value", text, position)


def _key(text: str, position: int) -> tuple[str, int]:
    """An object key and its colon; the position after them, at the value."""
    if not text.startswith('"', position):
        raise JSONDecodeError("Expecting property name enclosed in double quotes", text, position)
    key, position = scanstring(text, position + 1, True)
    position = WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
    if not text.startswith(":", position):
        raise JSONDecodeError("Expecting ':' delimiter", text, position)
    return key, WHITESPACE.match(text, position + 1).end()  # type: ignore[union-attr]


def dumps(value: Any, *, indent: int | None = None, separators: tuple[str, str] = (",", ":")) -> str:
    """json.dumps(value, indent=indent, separators=separators, default=str) without recursion."""
    return _write(value, lambda leaf: json.dumps(leaf, default=str),
                  lambda key: json.dumps(key if isinstance(key, str) else str(key)), separators, indent)


def python_repr(value: Any) -> str:
    """repr(value) of dicts and lists (str() of them, as agno's texts use it) without recursion."""
    return _write(value, repr, repr, (", ", ": "), None)


def _write(value: Any, leaf: Callable[[Any], str], key_text: Callable[[Any], str], separators: tuple[str, str],
           indent: int | None) -> str:
    item_separator, key_separator = separators
    parts: list[str] = []
    # Open containers as [items iterator, is an object, nothing written yet].
    stack: list[list[Any]] = []

    def newline(depth: int) -> None:
        if indent is not None:
            parts.append("\n" + " " * (indent * depth))

    def start(item: Any) -> None:
        if isinstance(item, dict):
            parts.append("{")
            stack.append([iter(item.items()), True, True])
        elif isinstance(item, list):
            parts.append("[")
            stack.append([iter(item), False, True])
        else:
            parts.append(leaf(item))

    start(value)
    while stack:
        frame = stack[-1]
        item: Any = next(frame[0], _END)
        if item is _END:
            stack.pop()
            if not frame[2]:
                newline(len(stack))
            parts.append("}" if frame[1] else "]")
            continue
        if not frame[2]:
            parts.append(item_separator)
        frame[2] = False
        newline(len(stack))
        if frame[1]:
            key, item = item
            parts.append(key_text(key) + key_separator)
        start(item)
    return "".join(parts)
