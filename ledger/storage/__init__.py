"""Stores: the eventsourcing library's recorders, extended with the ledger's keys, placements and chain."""
