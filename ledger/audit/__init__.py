"""The auditors' side of the ledger: history trails, chain verification and export chain heads."""
