"""绩效考核: a score per unit per quarter and per year, computed from the facts in the database.

Public interface: :class:`app.scores.queries.UnitScore`, :class:`app.scores.queries.ScoreBoard` and
:func:`app.scores.queries.score_board`.
"""
