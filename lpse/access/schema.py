"""What each kind of record holds (JSON Schema), checked before any record is appended.

Every writer (the CLI, the web app, imports, the Ansible module) goes through ``Store.append``,
which refuses a record whose ``data`` does not match its kind's schema, naming the kind and the
field. Readers replay records through ``valid()``: a record that entered before this check
existed (or by hand) is set aside as malformed and reported by ``audit``, never a crash.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

# No control characters anywhere (a pattern's "$" would let a final newline through).
PLAIN = {"not": {"pattern": r"[\x00-\x1f\x7f]"}}


def _match(regex: str) -> dict[str, Any]:
    return {"type": "string", "pattern": regex, **PLAIN}


def _text(limit: int, min_length: int = 1) -> dict[str, Any]:
    return {"type": "string", "minLength": min_length, "maxLength": limit, **PLAIN}


TIME = _match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


ITEMS = {"type": "array", "items": _text(200), "maxItems": 100}

# Imported records carry where they came from; native ones do not.
IMPORT = {"imported": {"type": "boolean"}, "imported_by": _text(32), "source": _text(200)}

# The guard desk's signature on the records it makes (lpse/access/desk.py).
DESK = {"desk_signature": {"type": "string", "maxLength": 200}}

SCHEMAS: dict[str, dict[str, Any]] = {
    "request": {
        "type": "object",
        "required": ["visitor", "purpose", "start", "end", "escort", "equipment"],
        "properties": {
            "visitor": {
                "type": "object",
                "required": ["name", "id_type", "id_number", "institution"],
                "properties": {
                    "name": _text(120),
                    "id_type": _text(20),
                    "id_number": _match(r"^[A-Za-z0-9./-]{3,40}$"),
                    "institution": _text(120),
                },
            },
            "purpose": _text(300),
            "start": TIME,
            "end": TIME,
            "escort": _text(120),
            "equipment": ITEMS,
            **IMPORT,
        },
    },
    "decision": {
        "type": "object",
        "required": ["decision", "valid_from", "valid_until"],
        "properties": {
            "decision": {"enum": ["approve", "deny"]},
            "reason": _text(300, min_length=0),
            "valid_from": TIME,
            "valid_until": TIME,
            "approver_title": _text(120, min_length=0),
            # How many entries the approval admits (absent in decisions made before the rule).
            "entries": {"type": "integer", "minimum": 1, "maximum": 1000},
            "signature": {"type": "string", "maxLength": 200},
            "key": {"type": "string", "maxLength": 200},
            **IMPORT,
        },
    },
    "checkin": {
        "type": "object",
        "required": ["badge"],
        "properties": {"badge": _match(r"^[A-Za-z0-9-]{1,20}$"), "escort": _text(120), **IMPORT, **DESK},
    },
    "checkout": {
        "type": "object",
        "required": ["equipment_out"],
        "properties": {
            "equipment_out": ITEMS,
            "note": _text(300, min_length=0),
            "equipment_difference": _text(2000, min_length=0),
            **IMPORT,
            **DESK,
        },
    },
    "door": {
        "type": "object",
        "required": ["door", "badge", "event"],
        "properties": {
            "door": _text(60),
            "badge": _text(20, min_length=0),
            "event": _text(20),
            "source": _text(200),
            **DESK,
        },
    },
    "note": {"type": "object"},
    # An approver's key rotation (lpse/access/keys.py).
    "key": {
        "type": "object",
        "required": ["user", "key", "previous", "signature", "proof"],
        "properties": {
            "user": _match(r"^[a-z][a-z0-9._-]{1,31}$"),
            "key": {"type": "string", "maxLength": 100},
            "previous": {"type": "string", "maxLength": 100},
            "signature": {"type": "string", "maxLength": 200},
            "proof": {"type": "string", "maxLength": 200},
            "reason": _text(300, min_length=0),
        },
    },
    "audit": {"type": "object", "required": ["action"], "properties": {"action": _text(40)}},
}

VALIDATORS = {kind: Draft202012Validator(schema) for kind, schema in SCHEMAS.items()}


def problem(kind: str, data: Any) -> str | None:
    """Why ``data`` is not a valid ``kind`` record (the first reason, naming the field), or None."""
    validator = VALIDATORS.get(kind)
    if validator is None:
        return f"unknown record kind {kind!r}"
    error = next(iter(sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))), None)
    if error is None:
        return None
    where = ".".join(str(p) for p in error.absolute_path) or "data"
    message = "holds a control character" if error.validator == "not" else error.message
    return f"{kind} record: {where}: {message}"
