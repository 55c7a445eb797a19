"""The report suite: what a program manager reads.

Owns the ``make report`` pipeline (``report``: papermill, nbconvert, the atomic output
folder), what a notebook works with (``context``), the charts and tables it shows
(``charts``, ``tables``), the Excel and Power BI files (``exports``), reading and
writing the enriched table (``storage``), masking and formula neutralisation
(``privacy``) and the exploration notebook's filters (``explore``). Imports from
:mod:`mentortrack.analytics`, :mod:`mentortrack.contract` and the package root.
"""
