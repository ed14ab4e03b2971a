"""The domain: programmes, enrolments and districts as bitemporal timelines of immutable events.

Nothing in here knows about storage, files or the command line.
"""
