"""Recording files of facts: read, checked as a whole against the ledger, stored all or nothing."""
