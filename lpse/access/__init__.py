"""The server-room access log (Pasal 21 ayat (4)): visit requests, signed decisions, entry and
exit, door-controller events, in one hash chain that ``verify`` checks record by record.

- ``config``: who may approve and who keeps the guard desk, from the inventory.
- ``chain``: how a record becomes bytes, its hash and an approver's signature.
- ``store``: the SQLAlchemy store (SQLite by default, PostgreSQL when configured); appends
  are serialised so the chain stays linear under concurrent writers; ``verify``.
- ``rules``: a visit's state replayed from its records, and the rules on it.
- ``service``: the operations the CLI and the web app call (``AccessLog``).
- ``web``: the guard desk and approvers' web application (Flask).
"""
