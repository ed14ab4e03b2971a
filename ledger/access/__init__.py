"""Identity and access (SPEC §12): ledger roles and their scopes on a PostgreSQL store."""
