"""Build the engine's view of a stored item: its workflow, owning unit, county and facts."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.items.models import Item
from app.plans.models import Category, Indicator, Target
from app.plans.scope import region_units
from app.units.models import Unit
from workflows.permissions import Subject
from workflows.registry import get_workflow

NOTICE_REQUIRED = (("title", "标题"), ("addressees", "主送机关"), ("body", "正文"), ("subject_units", "涉及单位"))


#: a feature's facts of an item type: fn(item, values, loaders) adds what its guards read. Installed by
#: ``app.wiring`` (the core knows no feature): evidence counts from attachments, an application's
#: required fields from its form definition.
FactBuilder = Callable[[Any, dict[str, Any], dict[str, Callable[[], Any]]], None]
FACT_BUILDERS: dict[str, list[FactBuilder]] = {}


def install_facts(item_type: str, builder: FactBuilder) -> None:
    """Add ``builder`` to the facts of ``item_type`` (once)."""
    builders = FACT_BUILDERS.setdefault(item_type, [])
    if builder not in builders:
        builders.append(builder)


def indicator_codes_for(item: Item) -> list[str]:
    """Indicators the item's unit has a quota for, plus the city-wide ones its task names."""
    codes = set(db.session.scalars(
        select(Indicator.code).join(Target, Target.indicator_id == Indicator.id)
        .where(Target.unit_id == item.unit_id)))
    annex = getattr(item, "annex_task", None)
    if annex is not None:
        codes.update(annex.indicator_codes or [])
    return sorted(codes)


def indicator_labels_for(item: Item, codes: list[str] | None) -> dict[str, str]:
    """The Chinese title of each indicator code (what a guard's reason names a figure by)."""
    if not codes:
        return {}
    return dict(db.session.execute(select(Indicator.code, Indicator.title).where(
        Indicator.plan_id == item.plan_id, Indicator.code.in_(codes))).tuples().all())


class LazyFacts(Mapping[str, Any]):
    """Facts computed on first read: a transition pays only for the queries its guards need."""

    def __init__(self, values: dict[str, Any], loaders: dict[str, Callable[[], Any]]) -> None:
        self._values = values
        self._loaders = loaders

    def __getitem__(self, key: str) -> Any:
        if key not in self._values:
            self._values[key] = self._loaders[key]()  # KeyError for an unknown fact, as a dict would
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter({**self._loaders, **self._values})

    def __len__(self) -> int:
        return len({**self._loaders, **self._values})


def subject_for(item: Item) -> Subject:
    """The engine's Subject for ``item``, with the facts its guards and routes read."""
    wf = get_workflow(item.type)
    values: dict[str, Any] = {"is_department": item.unit.kind != "county"}
    loaders: dict[str, Callable[[], Any]] = {}
    audience: frozenset[str] = frozenset()
    if item.type == "application":
        category = _category_of(item)
        loaders["level"] = lambda: category().level if category() else item.category.split("_", 1)[0]
        loaders["indicator_codes"] = lambda: [c["code"] for c in _checklist(category())] or None
        loaders["indicator_labels"] = lambda: {c["code"]: c.get("title") or c["code"] for c in _checklist(category())}
        loaders["field_values"] = lambda: {**(item.fields or {}), "site_name": item.site_name}
    elif item.type == "task":
        codes = _once(lambda: indicator_codes_for(item))
        loaders["indicator_codes"] = lambda: codes() or None
        loaders["indicator_labels"] = lambda: indicator_labels_for(item, codes())
    elif item.type == "report":
        codes = _once(lambda: indicator_codes_for(item))
        loaders["indicator_codes"] = lambda: codes() or None
        loaders["indicator_labels"] = lambda: indicator_labels_for(item, codes())
    elif item.type == "notice":
        values["missing_fields"] = [label for attr, label in NOTICE_REQUIRED if not getattr(item, attr)]
        audience = frozenset(db.session.scalars(
            select(Unit.slug).where(Unit.slug.in_(item.subject_units or [])))) | _addressee_units(item)
    for build in FACT_BUILDERS.get(item.type, ()):
        build(item, values, loaders)
    return Subject(row=item, workflow=wf, unit=item.unit.slug, county=item.county.slug if item.county else None,
                   facts=LazyFacts(values, loaders), audience=audience)


def _category_of(item: Any) -> Callable[[], Any]:
    """The application's category (level, checklist): preloaded on a row image, else read once."""
    if hasattr(item, "category_ref"):
        return lambda: item.category_ref
    return _once(lambda: db.session.execute(
        select(Category.level, Category.checklist)
        .where(Category.plan_id == item.plan_id, Category.code == item.category)).first())


def _checklist(category: Any) -> list[dict]:
    return (category.checklist if category is not None else None) or []


def _once(fn: Callable[[], Any]) -> Callable[[], Any]:
    memo: list[Any] = []

    def get() -> Any:
        if not memo:
            memo.append(fn())
        return memo[0]
    return get


def _addressee_units(item: Item) -> frozenset[str]:
    """Addressee text "各县区人民政府" reaches every county."""
    text = getattr(item, "addressees", "") or ""
    slugs: set[str] = set()
    if "各县区" in text:
        slugs.update(db.session.scalars(select(Unit.slug).where(Unit.kind == "county", region_units(item.plan_id))))
    if "市直" in text:
        slugs.update(db.session.scalars(select(Unit.slug).where(Unit.kind == "department",
                                                                region_units(item.plan_id))))
    return frozenset(slugs)
