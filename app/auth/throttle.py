"""Sign-in throttling, counted in the database so it holds across every worker.

Two limits, both over a sliding window (``LOGIN_WINDOW_MINUTES``):

* per client address: ``LOGIN_MAX_FAILURES_PER_ADDRESS`` failures from one address, whatever the
  accounts, and that address is refused for every account;
* per account: ``LOGIN_MAX_FAILURES`` failures for one account lock it, but only for the addresses
  those failures came from. An address that has not failed for the account may still try (one
  failure and it is locked out too), so nobody can keep a colleague out by guessing wrong on purpose;
  the administrator sees the lock (:func:`lockout_of`) and lifts it with a password reset.

The check and the count are one step (:func:`reserve_attempt`): the attempt is written as a failure
*before* the password is checked, under a lock on the account and on the address (PostgreSQL
advisory locks; SQLite's ``BEGIN IMMEDIATE`` serialises writers anyway), so concurrent guesses are
counted one by one and never more than the limit are evaluated. A success removes its own row and
lifts the account's lock (``cleared_at``); a failure leaves it counted.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, delete, func, select, text, update

from app.auth.models import LoginAttempt
from app.clock import utcnow
from app.extensions import db

#: advisory lock namespaces (the two-key form never meets the one-key locks used elsewhere)
ACCOUNT_LOCKS, ADDRESS_LOCKS = 1, 2


@dataclass(frozen=True)
class Reservation:
    """The verdict on one sign-in attempt: ``attempt_id`` when it may be evaluated, else the wait."""

    attempt_id: int | None
    retry_after: int = 0

    @property
    def allowed(self) -> bool:
        return self.attempt_id is not None


@dataclass(frozen=True)
class Lockout:
    """An account locked by failed sign-ins, as the administrator sees it."""

    failures: int
    until: datetime
    addresses: list[str]


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _lock_key(value: str) -> int:
    """A stable signed 32-bit key (Python's own hash() differs between processes)."""
    key = zlib.crc32(value.encode("utf-8"))
    return key - (1 << 32) if key >= 1 << 31 else key


def _lock(username: str, remote_addr: str | None) -> None:
    """Serialise attempts on this account and from this address until the transaction ends.

    Always the account first, then the address: no two attempts wait on each other in a cycle."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for namespace, value in ((ACCOUNT_LOCKS, username), (ADDRESS_LOCKS, remote_addr or "")):
        db.session.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"),
                           {"ns": namespace, "key": _lock_key(value)})


def _account_failures(username: str, since: datetime) -> ColumnElement[bool]:
    return (LoginAttempt.username == username) & (LoginAttempt.at >= since) & LoginAttempt.cleared_at.is_(None)


def _count(condition: ColumnElement[bool]) -> int:
    return int(db.session.scalar(select(func.count()).select_from(LoginAttempt).where(condition)) or 0)


def _seconds_until_expiry(condition: ColumnElement[bool], now: datetime) -> int:
    oldest = db.session.scalar(select(func.min(LoginAttempt.at)).where(condition))
    if oldest is None:
        return 1
    return max(1, int((_aware(oldest) + _window() - now).total_seconds()))


def _wait(username: str, remote_addr: str | None, now: datetime) -> int:
    """Seconds this attempt must wait, or 0 when it may be evaluated now."""
    config = current_app.config
    since = now - _window()
    if remote_addr:
        from_address = (LoginAttempt.remote_addr == remote_addr) & (LoginAttempt.at >= since)
        if _count(from_address) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
            return _seconds_until_expiry(from_address, now)
    account = _account_failures(username, since)
    if _count(account) < config["LOGIN_MAX_FAILURES"]:
        return 0
    if _count(account & (LoginAttempt.remote_addr == remote_addr if remote_addr
                         else LoginAttempt.remote_addr.is_(None))) == 0:
        return 0  # a locked account may still be tried from an address that has not failed for it
    return _seconds_until_expiry(account, now)


def reserve_attempt(username: str, remote_addr: str | None) -> Reservation:
    """Decide whether this attempt may be evaluated and, if so, count it as a failure now.

    The caller commits right after (ending the lock) and only then checks the password."""
    username, remote_addr = username[:64], (remote_addr or "")[:64] or None
    _lock(username, remote_addr)
    now = utcnow()
    wait = _wait(username, remote_addr, now)
    if wait:
        return Reservation(None, wait)
    attempt = LoginAttempt(username=username, at=now, remote_addr=remote_addr)
    db.session.add(attempt)
    db.session.flush()
    return Reservation(attempt.id)


def record_success(username: str, attempt_id: int) -> None:
    """The attempt succeeded: it was no failure, and the account's lock is lifted."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))
    clear_account(username[:64])


def clear_account(username: str) -> None:
    """Lift an account's lock; its failures still count against the addresses they came from."""
    db.session.execute(update(LoginAttempt).where(LoginAttempt.username == username,
                                                  LoginAttempt.cleared_at.is_(None))
                       .values(cleared_at=utcnow()).execution_options(synchronize_session=False))


def lockout_of(username: str) -> Lockout | None:
    """The account's lock, when it has one now: its failures in the window, when it ends, from where."""
    now = utcnow()
    account = _account_failures(username, now - _window())
    rows = db.session.execute(select(LoginAttempt.at, LoginAttempt.remote_addr).where(account)
                              .order_by(LoginAttempt.at)).all()
    if len(rows) < current_app.config["LOGIN_MAX_FAILURES"]:
        return None
    # the lock ends when the failures in the window fall below the limit
    ends_with = rows[len(rows) - current_app.config["LOGIN_MAX_FAILURES"]]
    addresses = sorted({r.remote_addr or "?" for r in rows})
    return Lockout(len(rows), _aware(ends_with.at) + _window(), addresses)


def prune(older_than: timedelta) -> int:
    """Forget attempts older than ``older_than`` (never inside the throttling window) (``deadlines
    tick``); returns how many."""
    older_than = max(older_than, _window())
    result = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - older_than)
                                .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def locked_accounts(usernames: list[str]) -> set[str]:
    """Which of ``usernames`` are locked by failed sign-ins now (one query, for a list of accounts)."""
    if not usernames:
        return set()
    since = utcnow() - _window()
    rows = db.session.scalars(
        select(LoginAttempt.username)
        .where(LoginAttempt.username.in_(usernames), LoginAttempt.at >= since, LoginAttempt.cleared_at.is_(None))
        .group_by(LoginAttempt.username)
        .having(func.count() >= current_app.config["LOGIN_MAX_FAILURES"]))
    return set(rows)
