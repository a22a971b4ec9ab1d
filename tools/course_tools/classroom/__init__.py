"""The instructor's classroom tool: from the files students sent to a grade sheet (see ``cli`` for the
commands). One module per job: ``log`` (what each step found), ``collect``, ``repair`` (cell alignment),
``grade``, ``report`` (and the CSV export), ``cli``."""
