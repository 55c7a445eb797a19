"""The data contract: what a session export is and how it is read.

Owns the canonical session table (``schema``), the parsers of raw cells (``parse``),
the loader with its row accounting and quarantine (``load``), the data-quality
warnings (``quality``), e-mail address checks (``addresses``) and the seeded sample
generator (``sample``). Imports nothing from the layers above it.
"""
