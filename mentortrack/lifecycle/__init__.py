"""The session lifecycle: the automation around one session.

Before it: agendas and checklists (``agenda``). During it: notes from transcripts and
recordings (``transcripts``, ``speech``). After it: follow-up queues and invites
(``followups``), e-mails with a sent-log (``mailer``) and red alerts (``alerts``).
The top layer: imports from every layer below it.
"""
