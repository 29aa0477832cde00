"""YAML loading that remembers where each value came from.

PyYAML silently keeps the last of two duplicate keys and forgets line numbers. Operators editing
a topology or a waiver file need "file:line: what is wrong", so this loader composes the node
tree itself, rejects duplicate keys, and returns a map from a value's path to its line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lpse.errors import InputError

PathKey = tuple[str | int, ...]


def _convert(node: yaml.Node, path: PathKey, lines: dict[PathKey, int], source: str) -> Any:
    scalar = yaml.SafeLoader("")
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        key_lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = scalar.construct_object(key_node, deep=True)
            if key in out:
                raise InputError(
                    f"{source}:{key_node.start_mark.line + 1}: duplicate key {key!r} "
                    f"(first defined on line {key_lines[key]})"
                )
            key_lines[key] = key_node.start_mark.line + 1
            out[key] = _convert(value_node, (*path, key), lines, source)
            # An item's line is where its key stands, not where its value starts.
            lines[(*path, key)] = key_lines[key]
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), lines, source) for i, item in enumerate(node.value)]
    try:
        return scalar.construct_object(node, deep=True)
    except ValueError as exc:  # e.g. a date with month 13
        raise InputError(f"{source}:{node.start_mark.line + 1}: {node.value!r} is not a valid value: {exc}") from None


def load_located(path: Path) -> tuple[Any, dict[PathKey, int]]:
    """Load a YAML file; return (data, {path: line}). Raise InputError naming file and line."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{source}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: cannot read: {exc}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{source}{where}: YAML error: {problem}") from None
    lines: dict[PathKey, int] = {}
    if node is None:
        return None, lines
    try:
        return _convert(node, (), lines, source), lines
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: YAML error: {exc}") from None
