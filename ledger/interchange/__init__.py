"""Event log interchange format v1 (SPEC §2): what `import` reads and `export` writes."""
