"""The inputs a demo-site application asks for, by category (kept in ``Application.fields``).

Keys are stable (the API and exports read them); titles are Chinese msgids. What each category marks
required is the one definition of a complete application: the forms mark and check it, and
:func:`required_fields` hands it to the engine's submit guard, so the API and the screens refuse an
incomplete application with the same reasons. The forms also check numbers.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from app.web.terms import N_

#: the site's name is required of every category (its own column, not a field)
SITE_NAME = ("site_name", "示范点名称")


@dataclass(frozen=True)
class Field:
    key: str
    title: str  # the Chinese label (msgid)
    kind: str = "text"  # text | number | textarea
    required: bool = False
    unit: Any = ""

    @property
    def label(self) -> Any:
        """The label in the user's language."""
        return _l(self.title)


CONTACT = (Field("contact_person", N_("联系人"), required=True),
           Field("contact_phone", N_("联系电话"), required=True))

COUNTY = (Field("population", N_("常住人口"), "number", unit=_l("万人")),
          Field("villages", N_("行政村数"), "number", True, _l("个")),
          Field("service_center", N_("县级电商公共服务中心"), required=True),
          Field("online_sales", N_("上年农村产品网络销售额"), "number", True, _l("亿元")),
          Field("highlights", N_("主要做法和成效"), "textarea", True))
TOWN = (Field("villages", N_("所辖行政村数"), "number", True, _l("个")),
        Field("featured_industry", N_("特色产业"), required=True),
        Field("service_center", N_("镇电商服务中心")),
        Field("online_sales", N_("上年网络销售额"), "number", True, _l("万元")),
        Field("highlights", N_("主要做法和成效"), "textarea", True))
VILLAGE = (Field("town", N_("所属乡镇"), required=True),
           Field("population", N_("户籍人口"), "number", unit=_l("人")),
           Field("main_products", N_("主要网销产品"), required=True),
           Field("service_station", N_("村级电商服务站")),
           Field("online_sales", N_("上年网络销售额"), "number", True, _l("万元")),
           Field("highlights", N_("主要做法和成效"), "textarea", True))
OUTLET = (Field("location", N_("所在乡镇、村"), required=True),
          Field("operator", N_("运营主体"), required=True),
          Field("services", N_("服务功能（代购代销、快递收发、便民缴费等）"), "textarea", True),
          Field("parcels", N_("上年快递收发量"), "number", unit=_l("件")),
          Field("households", N_("服务农户数"), "number", unit=_l("户")))
ENTERPRISE = (Field("credit_code", N_("统一社会信用代码"), required=True),
              Field("legal_representative", N_("法定代表人"), required=True),
              Field("brands", N_("自有网销品牌")),
              Field("online_sales", N_("上年网络销售额"), "number", True, _l("万元")),
              Field("employees", N_("从业人数"), "number", unit=_l("人")),
              Field("highlights", N_("主要做法和成效"), "textarea", True))

BY_CATEGORY: dict[str, tuple[Field, ...]] = {
    "provincial_demo_county": COUNTY + CONTACT,
    "provincial_demo_town": TOWN + CONTACT,
    "municipal_demo_town": TOWN + CONTACT,
    "provincial_demo_village": VILLAGE + CONTACT,
    "municipal_demo_village": VILLAGE + CONTACT,
    "provincial_demo_outlet": OUTLET + CONTACT,
    "municipal_demo_outlet": OUTLET + CONTACT,
    "provincial_demo_enterprise": ENTERPRISE + CONTACT,
}
MAX_TEXT = 2000


def fields_for(category: str) -> tuple[Field, ...]:
    return BY_CATEGORY.get(category, CONTACT)


def required_fields(category: str) -> tuple[tuple[str, str], ...]:
    """(key, Chinese label) of every input the category requires, the site's name first: the engine's data."""
    return (SITE_NAME, *((f.key, f.title) for f in fields_for(category) if f.required))


def label_of(category: str, key: str) -> Any:
    """The label of a stored field (its key when no form defines it, e.g. sent through the API)."""
    for f in fields_for(category):
        if f.key == key:
            return f.label
    return key


def parse_fields(category: str, form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The category's inputs from a form (``f_<key>``): (values, problems by key)."""
    from flask_babel import gettext as _

    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for f in fields_for(category):
        raw = (form.get(f"f_{f.key}") or "").strip()
        if not raw:
            if f.required:
                problems[f.key] = _("必填")
            continue
        if len(raw) > MAX_TEXT:
            problems[f.key] = _("最多 %(n)s 个字符", n=MAX_TEXT)
            continue
        if f.kind == "number":
            try:
                number = Decimal(raw.replace(",", "").replace("，", ""))
            except InvalidOperation:
                problems[f.key] = _("必须是数字")
                continue
            if not number.is_finite() or number < 0:
                problems[f.key] = _("不能为负数")
                continue
            values[f.key] = int(number) if number == number.to_integral_value() else float(number)
        else:
            values[f.key] = raw
    return values, problems


def required_field_facts(item: Any, values: dict[str, Any], loaders: dict[str, Any]) -> None:
    """The category's required inputs (the forms' definition), checked by the core's submit guard."""
    loaders["required_fields"] = lambda: required_fields(item.category)
