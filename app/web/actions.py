"""One way to run a screen's write, as ``app.api.registry._run`` runs the API's.

A screen action is a callable doing the work through operations; :func:`screen_action` commits once
when it returns, and on a refusal (``WorkflowError``) rolls back everything and tells the user why:
a flash with the core's Chinese reason and a redirect back, or, for the refusals a route handles
itself (a guard's reasons shown beside the form, the explanation of a lost race), that route's own
answer. No route calls ``commit()``: a failed action leaves nothing half-written.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from flask import flash, redirect
from flask.typing import ResponseReturnValue

from app.extensions import db
from app.web.ui import error_message
from workflows.errors import WorkflowError

T = TypeVar("T")
V = TypeVar("V")
Handler = Callable[[Any], ResponseReturnValue]


def screen_action(work: Callable[[], T], *, then: str | Callable[[T], str],
                  done: str | Callable[[T], str | None] | None = None, back: str | None = None,
                  refusals: Mapping[type[WorkflowError], Handler] | None = None,
                  otherwise: Callable[[WorkflowError], ResponseReturnValue | None] | None = None
                  ) -> ResponseReturnValue | None:
    """Run ``work`` and commit once; redirect to ``then`` with the ``done`` message.

    On a ``WorkflowError`` the transaction is rolled back; the first of ``refusals`` the error is an
    instance of answers it, else the error is flashed and the user is sent to ``back`` (``then`` when
    it is a plain address); or, with ``otherwise``, its answer is returned (None: a form the route shows
    again with the user's input).
    """
    try:
        value = work()
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        for kind, handler in (refusals or {}).items():
            if isinstance(exc, kind):
                return handler(exc)
        flash(error_message(exc), "error")
        if otherwise is not None:
            return otherwise(exc)
        return redirect(back or (then if isinstance(then, str) else "/"))
    message = done(value) if callable(done) else done
    if message:
        flash(message, "success")
    return redirect(then(value) if callable(then) else then)


def record(work: Callable[[], T]) -> T:
    """A write nobody refuses, committed at once: bookkeeping a page does while it is read (a
    notification marked read), a sign-out, a language choice, a checked plan import. Errors propagate
    (the session is rolled back by the caller or at the request's end)."""
    value = work()
    db.session.commit()
    return value


def each_action(values: Sequence[V], work: Callable[[V], T]) -> list[tuple[V, T | WorkflowError]]:
    """Independent actions on several items (催办 of a list, a bulk approval): each committed on its
    own, a refusal rolling back only its own; returns each value with its result or its refusal."""
    outcomes: list[tuple[V, T | WorkflowError]] = []
    for value in values:
        try:
            result = work(value)
            db.session.commit()
        except WorkflowError as exc:
            db.session.rollback()
            outcomes.append((value, exc))
        else:
            outcomes.append((value, result))
    return outcomes
