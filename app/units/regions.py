"""Regions: the city (地级市) a plan and its units belong to, by GB/T 2260 code.

A deployment may hold several cities' plans (a province's instance); each plan belongs to one region
and each unit to the region of the plans that list it. A plan file may name its region
(``plan.region: {code, name}``); otherwise it is read off its counties' division codes (the city is
the first four digits followed by ``00``) and named from the table below.
"""
from __future__ import annotations

from collections.abc import Iterable

#: 安徽省's sixteen cities (GB/T 2260), the province PlanDesk first serves
ANHUI_CITIES: dict[str, str] = {
    "340100": "合肥市", "340200": "芜湖市", "340300": "蚌埠市", "340400": "淮南市", "340500": "马鞍山市",
    "340600": "淮北市", "340700": "铜陵市", "340800": "安庆市", "341000": "黄山市", "341100": "滁州市",
    "341200": "阜阳市", "341300": "宿州市", "341500": "六安市", "341600": "亳州市", "341700": "池州市",
    "341800": "宣城市",
}

#: the region of a plan whose counties carry no division code and whose file names none
NO_REGION = ""


def city_code(division_code: str | None) -> str | None:
    """The city's code of a county's GB/T 2260 code (``341522`` → ``341500``)."""
    if not division_code or len(division_code) != 6 or not division_code.isdigit():
        return None
    return division_code[:4] + "00"


def region_from_counties(codes: Iterable[str | None]) -> str:
    """The one city the counties' codes share, or :data:`NO_REGION` when none (or several) do."""
    cities = {c for c in (city_code(code) for code in codes) if c}
    return cities.pop() if len(cities) == 1 else NO_REGION


def region_name(code: str) -> str:
    return ANHUI_CITIES.get(code, code)
