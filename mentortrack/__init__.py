"""mentortrack: analytics and reports for 1:1 mentorship programs.

Start with :func:`mentortrack.contract.load.load_sessions`, which turns a platform export
into the canonical session table every other module works on.
"""

__version__ = "0.1.0"
