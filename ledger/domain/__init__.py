"""The domain: programmes and enrolments as bitemporal timelines of immutable events.

Nothing in here knows about storage, files or the command line.
"""
