"""The report suite: what a program manager reads.

Owns the ``make report`` pipeline, split by concern: ``report`` (the run's steps),
``month_choice`` (which month), ``fingerprint`` (what a report depends on, of the bytes
loaded), ``prepare`` (step 1: enrich and write tables and exports), ``shared_tables``
(health, standing, trend, follow-ups and comparisons, computed once per run),
``notebook_run`` (papermill and nbconvert), ``work_folder`` (the atomic output folder that
removes only what the suite made) and ``landing`` (the index with the headline); what a
notebook works with (``context``), the charts and tables it shows (``charts``,
``tables``), the mentor pages (``mentor_pages``), the Excel and Power BI files
(``exports``), reading and writing the enriched table (``storage``), masking and formula
neutralisation (``privacy``) and the exploration notebook's filters (``explore``).
Imports from :mod:`mentortrack.analytics`, :mod:`mentortrack.contract` and the package root.
"""
