"""Reading a YAML settings file (a campaign or a runtime profile) safely, with the line of every key.

Before anything is built, the event stream is checked: a repeated key is an error (not "last one wins"),
anchors and aliases are refused (a "billion laughs" file expands to gigabytes through them), and nesting
deeper than any settings file needs is refused (instead of a RecursionError).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: Deepest nesting a settings file may have (a campaign needs 4).
MAX_DEPTH = 32
#: Largest settings file read, bytes.
MAX_BYTES = 1_000_000


class YamlError(ValueError):
    """A settings file that is not safe, well-formed YAML; the message names the file and line."""


@dataclass
class _Level:
    mapping: bool
    keys: set[str] = field(default_factory=set)
    expect_key: bool = True


def read_text(path: Path, what: str) -> str:
    """The text of ``path``; `YamlError` for a missing, binary, oversized or undecodable file."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise YamlError(f"{path}: cannot read {what}: {err.strerror}") from None
    if len(data) > MAX_BYTES:
        raise YamlError(f"{path}: {len(data)} bytes is not a {what} (limit {MAX_BYTES})")
    if b"\x00" in data:
        raise YamlError(f"{path}: is not a text file, so not a {what}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise YamlError(f"{path}: is not UTF-8 text, so not a {what}") from None


def check_events(text: str, source: str) -> None:
    """Refuse repeated keys, anchors, aliases and deep nesting, reading the event stream only."""
    stack: list[_Level] = []
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1 if event.start_mark is not None else 0
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise YamlError(f"{source}:{line}: anchors and aliases (&name, *name) are not allowed here; "
                                "write the values out")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                _enter_value(stack, source, line, key=None)
                stack.append(_Level(isinstance(event, yaml.MappingStartEvent)))
                if len(stack) > MAX_DEPTH:
                    raise YamlError(f"{source}:{line}: nested more than {MAX_DEPTH} levels deep")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
                if stack and stack[-1].mapping:
                    stack[-1].expect_key = True
            elif isinstance(event, yaml.ScalarEvent):
                _enter_value(stack, source, line, key=event.value)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        reason = " ".join(str(getattr(err, "problem", None) or err).split())
        raise YamlError(f"{source}{where}: not valid YAML: {reason}") from None


def _enter_value(stack: list[_Level], source: str, line: int, *, key: str | None) -> None:
    """Account for one node (a scalar ``key``, or a collection when None) inside the current level."""
    if not stack or not stack[-1].mapping:
        return
    level = stack[-1]
    if level.expect_key:
        if key is None:
            raise YamlError(f"{source}:{line}: a key must be a plain name, not a list or mapping")
        if key in level.keys:
            raise YamlError(f"{source}:{line}: key {key!r} appears twice in the same mapping; keep one")
        level.keys.add(key)
        level.expect_key = False
    elif key is not None:
        level.expect_key = True  # a scalar value completes the pair; a collection does at its end


def load(text: str, source: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The data of YAML ``text`` and the 1-based line of each key path, after `check_events`."""
    check_events(text, source)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:  # pragma: no cover - check_events parsed it already
        raise YamlError(f"{source}: not valid YAML: {err}") from None
    return data, (line_index(node) if node is not None else {})


def line_index(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Map each key path of a composed YAML document to its 1-based line."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[(*path, key.value)] = key.start_mark.line + 1
            for sub, line in line_index(value, (*path, key.value)).items():
                lines.setdefault(sub, line)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(line_index(item, (*path, i)))
    return lines


def where(source: str, lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> str:
    """``source:line`` of the deepest known prefix of key path ``loc``."""
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return f"{source}:{lines[loc[:n]]}"
    return source


def dotted(loc: tuple[Any, ...]) -> str:
    """``loop.budget``, ``oracles[0].kind``: a key path as a reader writes it."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"
