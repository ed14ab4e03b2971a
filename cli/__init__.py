"""The `ledger` command line: thin click commands that parse, call one function and render."""
