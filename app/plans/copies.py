"""A plan adopted by another region: the same phases, indicators, categories and tasks, with that
city's own units (slugs prefixed, names and division codes the city's) and its own 文号 issuer.

A province issues one plan and each city carries it out; this makes each city's copy from the one
file (the province's instance in tests and the benchmark's 16 cities are built this way).
"""
from __future__ import annotations

from dataclasses import replace

from app.plans.schema import NoticeIssuerData, PlanData, RegionData, TargetData, TaskData, UnitData


def _unit(unit: UnitData, slug: str, region: RegionData, source: RegionData) -> UnitData:
    short, source_short = region.name.removesuffix("市"), source.name.removesuffix("市")
    if unit.kind == "county":
        name = f"{short}{unit.name}"
    elif source.name and source.name in unit.name:
        name = unit.name.replace(source.name, region.name)
    else:
        name = f"{region.name}{unit.name.removeprefix('市').removeprefix(source_short)}"
    code = region.code[:4] + unit.code[4:] if unit.code and region.code.isdigit() else unit.code
    return replace(unit, slug=slug, name=name, code=code, aliases=())


def for_region(data: PlanData, region: RegionData, prefix: str, source: RegionData | None = None) -> PlanData:
    """``data`` for ``region``: units ``{prefix}_{slug}``, plan ``{prefix}-{code}``, issuer code with
    the city's first character (六电商办 → 合电商办 for 合肥市)."""
    source = source or data.region or RegionData("", "")
    slug = {u.slug: f"{prefix}_{u.slug}" for u in data.units}
    first, source_first = region.name[:1], (source.name or data.notice_issuer.code)[:1]
    issuer = data.notice_issuer
    return replace(
        data, code=f"{prefix}-{data.code}", region=region,
        title=data.title.replace(source.name, region.name) if source.name else f"{region.name}{data.title}",
        issuer=data.issuer.replace(source.name, region.name) if source.name else data.issuer,
        document_number=data.document_number.replace(source_first, first, 1),
        notice_issuer=NoticeIssuerData(slug[issuer.unit], issuer.name.replace(source.name, region.name)
                                       if source.name else f"{region.name}{issuer.name}",
                                       issuer.code.replace(source_first, first, 1), issuer.short_name),
        units=tuple(_unit(u, slug[u.slug], region, source) for u in data.units),
        groups={name: tuple(slug[s] for s in members) for name, members in data.groups.items()},
        targets=tuple(TargetData(t.indicator, t.target, {slug[s]: v for s, v in t.per_county.items()})
                      for t in data.targets),
        tasks=tuple(TaskData(t.number, t.title, tuple(slug[s] for s in t.lead),
                             tuple(slug[s] for s in t.cooperating), t.deadline, t.indicators) for t in data.tasks),
    )
