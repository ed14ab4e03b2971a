"""The write side: the domain of programmes and enrolments, and the application that records facts."""
