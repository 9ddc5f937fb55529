"""In-app notifications are part of the decision: written in the transition's own transaction, with no
delivery step; only e-mail goes through the outbox, and only when e-mail is configured; ``outbox
deliver`` on several connections at once sends each e-mail once."""
from __future__ import annotations

import smtplib
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.auth.models import User
from app.extensions import db
from app.items.operations import fire_transition
from app.items.store import EFFECTS
from app.notifications.delivery import deliver_pending
from app.notifications.models import Notification
from app.outbox.models import OutboxMessage
from tests.factories import actor_of, add_evidence
from workflows.errors import TransitionAborted


class FakeSMTP:
    """Stands in for ``smtplib.SMTP``: records every message sent."""

    sent: list[Any] = []

    def __init__(self, host: str, port: int, timeout: float = 0) -> None:
        self.host, self.port = host, port

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def starttls(self) -> None:
        return None

    def login(self, user: str, password: str) -> None:
        return None

    def send_message(self, msg: Any) -> None:
        FakeSMTP.sent.append(msg)


@pytest.fixture
def fake_mail(ctx, monkeypatch) -> list[Any]:
    FakeSMTP.sent = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    ctx.config.update(MAIL_SERVER="smtp.example", MAIL_PORT=25)
    db.session.execute(update(User).where(User.username.in_(("huoqiu_reviewer", "shucheng_reviewer")))
                       .values(email=User.username + "@example.cn"))
    db.session.commit()
    return FakeSMTP.sent


def notes_of(item_id: int) -> list[tuple[str, str]]:
    return db.session.execute(select(User.username, Notification.kind).join(User, User.id == Notification.user_id)
                              .where(Notification.item_id == item_id).order_by(User.username)).tuples().all()


def outbox_of(item_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.item_id == item_id))


def submitted(new_application, county: str = "huoqiu") -> int:
    item_id = new_application(county)
    add_evidence(item_id)
    db.session.commit()
    fire_transition(item_id, "submit", actor_of(f"{county}_filer"), version=1)
    db.session.commit()
    return item_id


def test_notifications_exist_when_the_transition_commits(ctx, new_application) -> None:
    item_id = submitted(new_application)
    # no delivery step ran: the county's reviewer is told, the filer who acted is not, nobody else is
    reviewers = db.session.scalars(select(User.username).where(User.role == "county_reviewer",
                                                               User.unit.has(slug="huoqiu"))).all()
    assert reviewers and notes_of(item_id) == [(name, "waiting") for name in sorted(reviewers)]
    text = db.session.scalar(select(Notification.message).where(Notification.item_id == item_id))
    assert text.startswith("待办：") and "大顾店村" in text
    assert outbox_of(item_id) == 0  # no e-mail configured: nothing is queued


def test_a_failed_transition_leaves_neither_notifications_nor_outbox(ctx, new_application, fake_mail) -> None:
    item_id = new_application()
    add_evidence(item_id)
    db.session.commit()

    def boom(*args: object) -> None:
        raise RuntimeError("disk full while archiving")

    key = ("application", "submit")
    EFFECTS.setdefault(key, []).append(boom)
    try:
        with pytest.raises(TransitionAborted):
            fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
    finally:
        EFFECTS[key].remove(boom)
    db.session.rollback()
    assert notes_of(item_id) == [] and outbox_of(item_id) == 0
    # the same transition then succeeds: its notifications and, e-mail being configured, its outbox rows
    fire_transition(item_id, "submit", actor_of("huoqiu_filer"), version=1)
    db.session.commit()
    assert ("huoqiu_reviewer", "waiting") in notes_of(item_id) and outbox_of(item_id) == 2
    assert fake_mail == []  # e-mail waits for the commit and a delivery


def test_outbox_deliver_on_two_connections_sends_each_email_once(ctx, new_application, fake_mail) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED: PostgreSQL (SQLite has one writer at a time)")
    first, second = submitted(new_application), submitted(new_application, "shucheng")
    assert outbox_of(first) == outbox_of(second) == 2
    with db.engine.connect() as conn_a, db.engine.connect() as conn_b:
        host_a, host_b = Session(bind=conn_a), Session(bind=conn_b)
        claimed_a = deliver_pending(host_a, limit=3)  # claims three of the four, not yet committed
        claimed_b = deliver_pending(host_b)  # skips the locked three, takes the fourth
        host_a.commit()
        host_b.commit()
        again = deliver_pending(host_a) + deliver_pending(host_b)
        host_a.close()
        host_b.close()
    assert (claimed_a, claimed_b, again) == (3, 1, 0)
    # each reviewer with an address got their one "waiting" e-mail, once
    assert sorted(str(m["To"]) for m in fake_mail) == ["huoqiu_reviewer@example.cn", "shucheng_reviewer@example.cn"]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.sent_at.is_(None))) == 0
    result = ctx.test_cli_runner().invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0 and "delivered 0 messages" in result.output and len(fake_mail) == 2
