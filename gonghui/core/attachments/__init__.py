"""Typed attachments and photos on any record type (docs/architecture.md, "Attachments").

kinds.py: what a record type declares; files.py: upload checks, re-encoding, storage;
models.py: the one attachment model; actions.py: attach, caption, remove (audited);
views.py: the scoped URLs; rules.py: `required_attachment` and `captioned_photos`.
"""
