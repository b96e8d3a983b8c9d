"""Declared workflows: states and transitions on a record type, the claim, the decision ledger."""
