"""The analytics: everything computed from the canonical session table.

Owns the KPIs and their definitions (``kpis``), the NLP (``sentiment``, ``embeddings``,
``keywords``, with the on-disk ``cache``, the labelled ``corpus``, ``training`` and
``evaluation``), the early-warning rules (``early_warnings``), mentor health (``health``) and the one
mentor standing that ranks, bands and explains every mentor (``standing``), session summaries and
mentor digests (``summaries``), and the one enriched table that joins them (``enrich``).
Imports only from :mod:`mentortrack.contract` and the package root.
"""
