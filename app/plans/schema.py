"""Plan data: an action plan (units, phases, targets, demo categories, annexed tasks) as frozen dataclasses.

A plan ships as a YAML file (app/plans/data/) and nothing here is specific to one city: another
city's plan, or a province's, loads the same way. `parse_plan` validates the whole document and
reports every problem at once, in Chinese, each naming where it is.

Pure Python (stdlib + PyYAML): no Flask, no database.
"""
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from os import PathLike
from typing import Any

import yaml

from workflows.registry import WORKFLOWS

# The workflow's top-level states, in order (WORKFLOWS.md); every plan maps its steps onto them.
PHASE_CODES = ("mobilization", "implementation", "self_assessment", "acceptance", "rectification",
               "consolidation")
UNIT_KINDS = ("city_office", "office", "county", "zone", "department", "group")
CATEGORY_LEVELS = ("provincial", "municipal")
# A group defined as this word means every unit of kind "county" (the plan's 县区).
ALL_COUNTIES = "counties"
# The group every Chinese city plan uses for its counties; used when a caller passes no groups.
DEFAULT_COUNTY_GROUP = "各县区人民政府"

_SLUG = re.compile(r"[a-z][a-z0-9_]*")
_PLAN_CODE = re.compile(r"[a-z0-9][a-z0-9_-]*")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DIVISION_CODE = re.compile(r"\d{6}")  # GB/T 2260


class PlanDataError(Exception):
    """A plan file or annex table refused; `errors` lists every problem (Chinese, naming where)."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class UnitData:
    slug: str
    name: str
    kind: str
    code: str | None = None  # GB/T 2260 division code, for counties
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class NoticeIssuerData:
    unit: str  # slug of the issuing unit
    name: str  # the issuer's full name, printed on the red mark (发文机关标志)
    code: str  # 发文代字, e.g. 六电商办
    short_name: str = ""  # the name in bodies and signatures (the full name when not given)


@dataclass(frozen=True)
class RegionData:
    code: str  # GB/T 2260 code of the city (e.g. 341500), or a deployment's own code
    name: str  # e.g. 六安市


@dataclass(frozen=True)
class PhaseData:
    code: str
    title: str
    deadline: date | None
    step: str  # what the plan's 实施步骤 says happens in this phase


@dataclass(frozen=True)
class IndicatorData:
    code: str
    title: str
    measure: str  # 个, 种, 家, 人次, 亿元, 公里 ...
    title_en: str = ""  # the English name shown in English mode (a translation, not machine text)
    measure_en: str = ""  # the English measure ("100 million yuan", "km" ...)


@dataclass(frozen=True)
class TargetData:
    indicator: str
    target: Decimal  # a minimum (以上), not a cap
    per_county: dict[str, Decimal] = field(default_factory=dict)  # county slug -> quota


@dataclass(frozen=True)
class ChecklistItemData:
    code: str
    title: str
    measure: str


@dataclass(frozen=True)
class CategoryData:
    code: str
    title: str
    level: str  # provincial | municipal
    indicator: str  # an approved site counts toward this indicator
    site_label: str  # what the site's name is called on the form (村名, 镇名 ...)
    checklist: tuple[ChecklistItemData, ...]


@dataclass(frozen=True)
class TaskData:
    number: int
    title: str
    lead: tuple[str, ...]  # unit slugs, groups expanded
    cooperating: tuple[str, ...]
    deadline: date
    indicators: tuple[str, ...] = ()  # indicator codes whose figures the task's text sets


@dataclass(frozen=True)
class PlanData:
    code: str
    title: str
    issuer: str
    document_number: str
    issued_on: date
    notice_issuer: NoticeIssuerData
    review_working_days: int
    #: working days a new or returned draft has to be submitted, per workflow (absent: 10)
    draft_working_days: dict[str, int]
    units: tuple[UnitData, ...]
    groups: dict[str, tuple[str, ...]]  # group name -> member slugs
    phases: tuple[PhaseData, ...]
    indicators: tuple[IndicatorData, ...]
    targets: tuple[TargetData, ...]
    categories: tuple[CategoryData, ...]
    tasks: tuple[TaskData, ...]
    #: the city the plan belongs to (None: read off its counties' division codes when loaded)
    region: RegionData | None = None

    @property
    def counties(self) -> tuple[UnitData, ...]:
        return tuple(u for u in self.units if u.kind == "county")


# --- unit names -------------------------------------------------------------------------------

def _name_key(text: str) -> str:
    """Compare names ignoring width (（ vs () and whitespace, which PDF and Excel copies scatter."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def default_groups(units: Sequence[UnitData]) -> dict[str, tuple[str, ...]]:
    return {DEFAULT_COUNTY_GROUP: tuple(u.slug for u in units if u.kind == "county")}


def resolve_unit(name_or_slug: str, units: Sequence[UnitData],
                 groups: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Slugs named by a unit slug, name or alias, or a group name (expanded); [] if unknown.

    `groups` maps group names to member slugs (PlanData.groups); by default 各县区人民政府 means
    every county. A trailing 等 ("and others", as in 市妇联等) is ignored.
    """
    key = _name_key(name_or_slug)
    if not key:
        return []
    for name, members in (default_groups(units) if groups is None else groups).items():
        if _name_key(name) == key:
            return list(members)
    for unit in units:
        if key == unit.slug or key in {_name_key(n) for n in (unit.name, *unit.aliases)}:
            return [unit.slug]
    if key.endswith("等"):
        return resolve_unit(key[:-1], units, groups)
    return []


def resolve_task_units(entries: Sequence[str], units: Sequence[UnitData],
                       groups: Mapping[str, Sequence[str]] | None = None,
                       ) -> tuple[tuple[str, ...], list[str]]:
    """(slugs in order, problems) for one lead or cooperating list."""
    slugs: list[str] = []
    problems: list[str] = []
    for entry in entries:
        found = resolve_unit(entry, units, groups)
        if not found:
            problems.append(f"未知单位“{entry}”")
        for slug in found:
            if slug in slugs:
                problems.append(f"单位“{_unit_name(slug, units)}”重复")
            else:
                slugs.append(slug)
    return tuple(slugs), problems


def task_unit_problems(lead: Sequence[str], cooperating: Sequence[str],
                       units: Sequence[UnitData]) -> list[str]:
    """Checks on a task's resolved units: one assignment per (task, unit) needs them disjoint."""
    problems = [] if lead else ["没有牵头责任单位"]
    problems += [f"单位“{_unit_name(s, units)}”既是牵头责任单位又是配合单位" for s in lead if s in cooperating]
    return problems


def unit_text(slugs: Sequence[str], units: Sequence[UnitData],
              groups: Mapping[str, Sequence[str]] | None = None) -> str:
    """Unit names joined by 、 as the annex writes them: a group's members, contiguous and in the
    group's order, become the group's name (so resolving the text gives the same slugs back)."""
    groups = default_groups(units) if groups is None else groups
    out: list[str] = []
    i = 0
    while i < len(slugs):
        group = next((g for g, members in groups.items()
                      if members and tuple(slugs[i:i + len(members)]) == tuple(members)), None)
        out.append(group if group is not None else _unit_name(slugs[i], units))
        i += len(groups[group]) if group is not None else 1
    return "、".join(out)


def _unit_name(slug: str, units: Sequence[UnitData]) -> str:
    return next((u.name for u in units if u.slug == slug), slug)


# --- reading ----------------------------------------------------------------------------------

class _PlanLoader(yaml.SafeLoader):
    """Safe loader that keeps dates as text, so a bad date is reported, not a crash in PyYAML."""


_PlanLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_plan_file(path: str | PathLike[str]) -> PlanData:
    """Read and validate a plan YAML file; PlanDataError lists every problem."""
    try:
        with open(path, encoding="utf-8") as f:
            raw = yaml.load(f, Loader=_PlanLoader)  # noqa: S506 - a SafeLoader subclass
    except OSError as e:
        raise PlanDataError([f"无法读取方案文件：{e}"]) from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第{mark.line + 1}行：" if mark else ""
        raise PlanDataError([f"{where}YAML格式错误（{getattr(e, 'problem', None) or e}）"]) from e
    return parse_plan(raw)


def _draft_working_days(plan: "_Fields") -> dict[str, int]:
    """``draft_working_days: {application: 10, task: 10}``: positive whole days per known workflow."""
    raw = plan.raw.get("draft_working_days") or {}
    if not isinstance(raw, Mapping):
        plan.error("字段“draft_working_days”应为“流程: 工作日数”的映射")
        return {}
    out: dict[str, int] = {}
    for name, days in raw.items():
        if name not in WORKFLOWS:
            plan.error(f"字段“draft_working_days”中未知流程“{name}”（可用：{'、'.join(sorted(WORKFLOWS))}）")
        elif type(days) is not int or not 0 < days <= 250:
            plan.error(f"字段“draft_working_days”中流程“{name}”的工作日数应为1至250的整数，实为“{days}”")
        else:
            out[str(name)] = days
    return out


class _Fields:
    """Typed access to one mapping of the document; problems go to a shared list, prefixed by where."""

    def __init__(self, raw: Any, where: str, errors: list[str], required: Sequence[str],
                 optional: Sequence[str] = (), nullable: Sequence[str] = ()) -> None:
        self.where, self.errors = where, errors
        if not isinstance(raw, Mapping):
            if raw is not None:  # None: its parent already reported the empty field
                self.error("应为键值映射")
            raw = {}
        self.raw: Mapping[Any, Any] = raw
        for key in required:
            if key not in raw:
                self.error(f"缺少字段“{key}”")
            elif raw[key] is None and key not in nullable:
                self.error(f"字段“{key}”不能为空")
        self.errors += [f"{where}：未知字段“{k}”" for k in raw if k not in (*required, *optional)]

    def error(self, message: str) -> None:
        self.errors.append(f"{self.where}：{message}")

    def _get(self, key: str, check: Callable[[Any], bool], expected: str) -> Any:
        value = self.raw.get(key)
        if value is None or check(value):
            return value
        self.error(f"字段“{key}”应为{expected}，实为“{value}”")
        return None

    def text(self, key: str) -> str:
        return self._get(key, lambda v: isinstance(v, str) and v.strip() != "", "非空文本") or ""

    def slug(self, key: str, pattern: re.Pattern[str] = _SLUG) -> str:
        return self._get(key, lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None,
                         f"标识（{pattern.pattern}）") or ""

    def positive_int(self, key: str) -> int:
        return self._get(key, lambda v: type(v) is int and v > 0, "正整数") or 0

    def number(self, key: str) -> Decimal:
        value = self.raw.get(key)
        if value is None:
            return Decimal(0)
        return _non_negative(value, lambda m: self.error(f"字段“{key}”{m}")) or Decimal(0)

    def day(self, key: str) -> date | None:
        value = self.raw.get(key)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and _ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        if value is not None:
            self.error(f"字段“{key}”的日期“{value}”无效，应为ISO日期（YYYY-MM-DD）")
        return None

    def items(self, key: str) -> list[Any]:
        return list(self._get(key, lambda v: isinstance(v, list), "列表") or [])

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.items(key)
        if not all(isinstance(v, str) and v.strip() for v in values):
            self.error(f"字段“{key}”应为非空文本的列表")
            return ()
        return tuple(values)


def _non_negative(value: Any, report: Callable[[str], None]) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        report(f"应为数字，实为“{value}”")
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number < 0:
        report(f"应为非负数，实为“{value}”")
        return None
    return number


def _where(label: str, raw: Any, key: str, index: int) -> str:
    """`单位“commerce”` or `任务3` when the item names itself, else `第3项单位`."""
    ident = raw.get(key) if isinstance(raw, Mapping) else None
    if type(ident) is int:
        return f"{label}{ident}"
    return f"{label}“{ident}”" if isinstance(ident, str) else f"第{index}项{label}"


def _duplicates(values: Sequence[str], message: Callable[[str], str], errors: list[str]) -> None:
    seen: set[str] = set()
    for v in values:
        if v and v in seen:
            errors.append(message(v))
        seen.add(v)


def parse_plan(raw: Any) -> PlanData:
    """Validate a plan document (as loaded from YAML) in full; PlanDataError lists every problem."""
    errors: list[str] = []
    top = _Fields(raw, "方案文件", errors,
                  ("plan", "units", "groups", "phases", "indicators", "targets", "categories", "tasks"))
    plan = _Fields(top.raw.get("plan", {}), "方案（plan）", errors,
                   ("code", "title", "issuer", "document_number", "issued_on", "notice_issuer",
                    "review_working_days"), optional=("draft_working_days", "region"))
    units = _units(top.items("units"), errors)
    groups = _groups(top.raw.get("groups", {}), units, errors)
    indicators = _indicators(top.items("indicators"), errors)
    indicator_codes = {i.code for i in indicators}

    issuer = _Fields(plan.raw.get("notice_issuer", {}), "方案（plan）发文单位（notice_issuer）", errors,
                     ("unit", "name", "code"), optional=("short_name",))
    notice_issuer = NoticeIssuerData(issuer.slug("unit"), issuer.text("name"), issuer.text("code"),
                                     issuer.text("short_name") or issuer.text("name"))
    if notice_issuer.unit and notice_issuer.unit not in {u.slug for u in units}:
        issuer.error(f"未知单位“{notice_issuer.unit}”")

    result = PlanData(
        code=plan.slug("code", _PLAN_CODE),
        title=plan.text("title"),
        issuer=plan.text("issuer"),
        document_number=plan.text("document_number"),
        issued_on=plan.day("issued_on") or date.min,
        notice_issuer=notice_issuer,
        review_working_days=plan.positive_int("review_working_days"),
        draft_working_days=_draft_working_days(plan),
        units=units,
        groups=groups,
        phases=_phases(top.items("phases"), errors),
        indicators=indicators,
        targets=_targets(top.items("targets"), indicator_codes, units, errors),
        categories=_categories(top.items("categories"), indicator_codes, errors),
        tasks=_tasks(top.items("tasks"), units, groups, indicator_codes, errors),
        region=_region(plan.raw.get("region"), errors),
    )
    if errors:
        raise PlanDataError(errors)
    return result


def _region(raw: Any, errors: list[str]) -> RegionData | None:
    if raw is None:
        return None
    f = _Fields(raw, "方案（plan）所属地区（region）", errors, ("code", "name"))
    code = str(f.raw.get("code") or "")
    if code and not re.fullmatch(r"[0-9A-Za-z_-]{1,12}", code):
        f.error(f"地区代码“{code}”应为不超过12位的字母数字（如 GB/T 2260 的 341500）")
    return RegionData(code, f.text("name"))


def _units(raws: list[Any], errors: list[str]) -> tuple[UnitData, ...]:
    units = []
    for i, raw in enumerate(raws, 1):
        f = _Fields(raw, _where("单位", raw, "slug", i), errors, ("slug", "name", "kind"), ("code", "aliases"))
        unit = UnitData(f.slug("slug"), f.text("name"), f.text("kind"), f.raw.get("code"), f.texts("aliases"))
        if unit.kind and unit.kind not in UNIT_KINDS:
            f.error(f"类型“{unit.kind}”无效，应为{'、'.join(UNIT_KINDS)}之一")
        if unit.code is not None and not (isinstance(unit.code, str) and _DIVISION_CODE.fullmatch(unit.code)):
            f.error(f"区划代码“{unit.code}”应为6位数字文本（GB/T 2260）")
        elif unit.kind == "county" and unit.code is None:
            f.error("县区须有区划代码（code）")
        units.append(unit)
    _duplicates([u.slug for u in units], lambda s: f"单位标识“{s}”重复", errors)
    _duplicates([_name_key(n) for u in units for n in (u.name, *u.aliases)],
                lambda n: f"单位名称或别名“{n}”重复", errors)
    return tuple(units)


def _groups(raw: Any, units: Sequence[UnitData], errors: list[str]) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, Mapping):
        errors.append("单位组（groups）：应为“组名: counties 或单位标识列表”的映射")
        return {}
    slugs = [u.slug for u in units]
    unit_names = {_name_key(n) for u in units for n in (u.slug, u.name, *u.aliases)}
    groups: dict[str, tuple[str, ...]] = {}
    for name, value in raw.items():
        where = f"单位组“{name}”"
        if _name_key(str(name)) in unit_names:
            errors.append(f"{where}：与单位名称重复")
        if value == ALL_COUNTIES:
            groups[str(name)] = tuple(u.slug for u in units if u.kind == "county")
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            errors += [f"{where}：未知单位“{v}”" for v in value if v not in slugs]
            groups[str(name)] = tuple(value)
        else:
            errors.append(f"{where}：应为“{ALL_COUNTIES}”或单位标识列表")
    return groups


def _phases(raws: list[Any], errors: list[str]) -> tuple[PhaseData, ...]:
    phases = []
    for i, raw in enumerate(raws, 1):
        f = _Fields(raw, _where("阶段", raw, "code", i), errors, ("code", "title", "deadline", "step"),
                    nullable=("deadline",))
        phases.append(PhaseData(f.slug("code"), f.text("title"), f.day("deadline"), f.text("step")))
    codes = tuple(p.code for p in phases)
    if codes != PHASE_CODES:
        errors.append(f"阶段（phases）：应依次为{'、'.join(PHASE_CODES)}，实为{'、'.join(codes) or '空'}")
    return tuple(phases)


def _indicators(raws: list[Any], errors: list[str]) -> tuple[IndicatorData, ...]:
    indicators = []
    for i, raw in enumerate(raws, 1):
        f = _Fields(raw, _where("指标", raw, "code", i), errors, ("code", "title", "measure"),
                    ("title_en", "measure_en"))
        english = {key: f.text(key) if key in f.raw else "" for key in ("title_en", "measure_en")}
        indicators.append(IndicatorData(f.slug("code"), f.text("title"), f.text("measure"), **english))
    _duplicates([x.code for x in indicators], lambda c: f"指标代码“{c}”重复", errors)
    return tuple(indicators)


def _targets(raws: list[Any], indicator_codes: set[str], units: Sequence[UnitData],
             errors: list[str]) -> tuple[TargetData, ...]:
    counties = [u.slug for u in units if u.kind == "county"]
    targets = []
    for i, raw in enumerate(raws, 1):
        f = _Fields(raw, _where("目标", raw, "indicator", i), errors, ("indicator", "target"), ("per_county",))
        code, target = f.slug("indicator"), f.number("target")
        if code and code not in indicator_codes:
            f.error(f"未知指标“{code}”")
        per_county: dict[str, Decimal] = {}
        shares = f.raw.get("per_county", {})
        if not isinstance(shares, Mapping):
            f.error("分解到县区（per_county）应为“县区标识: 数量”的映射")
            shares = {}
        for slug, value in shares.items():
            if slug not in counties:
                f.error(f"分解单位“{slug}”不是县区")
            number = _non_negative(value, lambda m: f.error(f"县区“{slug}”的分解数{m}"))
            if number is not None:
                per_county[str(slug)] = number
        if per_county and len(per_county) == len(shares) and sum(per_county.values()) != target:
            f.error(f"各县区分解数合计{sum(per_county.values())}，不等于全市目标{target}")
        targets.append(TargetData(code, target, per_county))
    _duplicates([t.indicator for t in targets], lambda c: f"指标“{c}”的目标重复", errors)
    return tuple(targets)


def _categories(raws: list[Any], indicator_codes: set[str], errors: list[str]) -> tuple[CategoryData, ...]:
    categories = []
    for i, raw in enumerate(raws, 1):
        f = _Fields(raw, _where("类别", raw, "code", i), errors,
                    ("code", "title", "level", "indicator", "site_label", "checklist"))
        checklist = []
        for j, item in enumerate(f.items("checklist"), 1):
            where = f"{f.where}{_where('检查项', item, 'code', j)}"
            c = _Fields(item, where, errors, ("code", "title", "measure"))
            checklist.append(ChecklistItemData(c.slug("code"), c.text("title"), c.text("measure")))
        category = CategoryData(f.slug("code"), f.text("title"), f.text("level"), f.slug("indicator"),
                                f.text("site_label"), tuple(checklist))
        if category.level and category.level not in CATEGORY_LEVELS:
            f.error(f"级别“{category.level}”无效，应为{'、'.join(CATEGORY_LEVELS)}之一")
        if category.indicator and category.indicator not in indicator_codes:
            f.error(f"未知指标“{category.indicator}”")
        if not checklist:
            f.error("检查项（checklist）不能为空")
        _duplicates([c.code for c in checklist], lambda c: f"{f.where}：检查项代码“{c}”重复", errors)
        categories.append(category)
    _duplicates([c.code for c in categories], lambda c: f"类别代码“{c}”重复", errors)
    return tuple(categories)


def _tasks(raws: list[Any], units: Sequence[UnitData], groups: Mapping[str, Sequence[str]],
           indicator_codes: set[str], errors: list[str]) -> tuple[TaskData, ...]:
    tasks = []
    for i, raw in enumerate(raws, 1):
        f = _Fields(raw, _where("任务", raw, "number", i), errors,
                    ("number", "title", "lead", "cooperating", "deadline"), ("indicators",))
        indicators = f.texts("indicators")
        for code in indicators:
            if code not in indicator_codes:
                f.error(f"未知指标“{code}”")
        lead, lead_problems = resolve_task_units(f.texts("lead"), units, groups)
        cooperating, co_problems = resolve_task_units(f.texts("cooperating"), units, groups)
        for problem in (*lead_problems, *co_problems, *task_unit_problems(lead, cooperating, units)):
            f.error(problem)
        tasks.append(TaskData(f.positive_int("number"), f.text("title"), lead, cooperating,
                              f.day("deadline") or date.min, indicators))
    _duplicates([str(t.number) for t in tasks if t.number], lambda n: f"任务序号{n}重复", errors)
    return tuple(tasks)
