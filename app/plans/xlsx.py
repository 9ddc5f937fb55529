"""Task breakdown tables (任务分解表) laid out like the plan's annex, read from and written to .xlsx.

Columns are found by their header text (序号, 工作任务, 牵头责任单位, 配合单位, 时限要求), in any order,
under any number of title rows. A file is accepted whole or refused whole: every problem is
collected with its row number and reported in one PlanDataError.
"""
import calendar
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from os import PathLike
from typing import IO, Any
from xml.etree import ElementTree

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from app.plans.schema import (PlanDataError, TaskData, UnitData, resolve_task_units, resolve_unit,
                              task_unit_problems, unit_text)

NUMBER, TITLE, LEAD, COOPERATING, DEADLINE = "序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"
COLUMNS = (NUMBER, TITLE, LEAD, COOPERATING, DEADLINE)
_HEADER_SEARCH_ROWS = 20  # title rows above the header are skipped, up to this many
_UNIT_SEPARATORS = re.compile(r"[、，,;；]")
_DATE_FORMS = (  # whitespace removed first; a trailing 前 / 之前 / 以前 is allowed
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"), lambda y, m, d: date(y, m, d)),
    (re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"), lambda y, m, d: date(y, m, d)),
    (re.compile(r"(\d{4})年(\d{1,2})月[底末]"), lambda y, m: date(y, m, calendar.monthrange(y, m)[1])),
    (re.compile(r"(\d{4})年[底末]"), lambda y: date(y, 12, 31)),
)
_BEFORE = re.compile(r"(?:之前|以前|前)?")
#: limits checked before anything is parsed: a plan's table has tens of rows and a few small files
MAX_ROWS = 5_000
MAX_COLUMNS = 64  # cells right of this are never read
MAX_MEMBER_BYTES = 20 * 1024 * 1024  # uncompressed size of any one file in the .xlsx (a zip)
MAX_TOTAL_BYTES = 50 * 1024 * 1024  # uncompressed size of all of them
MAX_MEMBERS = 1_000
_MB = 1024 * 1024
_MERGE_CELL = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"

Source = str | PathLike[str] | IO[bytes]


def read_annex_xlsx(path_or_file: Source, units: Sequence[UnitData],
                    groups: Mapping[str, Sequence[str]] | None = None) -> list[TaskData]:
    """Tasks of the first sheet, in file order; PlanDataError lists every problem with its row.

    Unit names resolve through names, aliases and groups (default: 各县区人民政府 = the counties).
    """
    check_archive(path_or_file)
    try:
        book = load_workbook(path_or_file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as e:
        raise PlanDataError([f"无法读取Excel文件（{e}）"]) from e
    try:
        rows = _cell_values(book.active)
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError) as e:
        raise PlanDataError([f"无法读取Excel文件（{e}）"]) from e
    finally:
        book.close()
    header_at = next((i for i, row in enumerate(rows[:_HEADER_SEARCH_ROWS])
                      if sum(_squash(v) in COLUMNS for v in row) >= 2), None)
    if header_at is None:
        raise PlanDataError([f"未找到表头行（应含{'、'.join(COLUMNS)}列）"])
    header = [_squash(v) for v in rows[header_at]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise PlanDataError([f"第{header_at + 1}行（表头）：缺少列：{'、'.join(missing)}"])
    col = {c: header.index(c) for c in COLUMNS}

    errors: list[str] = []
    tasks: list[TaskData] = []
    first_row_of: dict[int, int] = {}
    for row_number, row in enumerate(rows[header_at + 1:], header_at + 2):
        cells = {c: row[i] if i < len(row) else None for c, i in col.items()}
        if all(_is_blank(v) for v in cells.values()):
            continue
        problems: list[str] = []
        number = _task_number(cells[NUMBER], problems)
        if number in first_row_of:
            problems.append(f"序号{number}与第{first_row_of[number]}行重复")
        elif number:
            first_row_of[number] = row_number
        title = _join_lines(cells[TITLE])
        if not title:
            problems.append("工作任务为空")
        lead = _units_in_cell(cells[LEAD], LEAD, units, groups, problems)
        cooperating = _units_in_cell(cells[COOPERATING], COOPERATING, units, groups, problems)
        if _is_blank(cells[LEAD]):
            problems.append(f"{LEAD}为空")
        elif lead:
            problems += task_unit_problems(lead, cooperating, units)
        deadline = parse_deadline(cells[DEADLINE])
        if _is_blank(cells[DEADLINE]):
            problems.append(f"{DEADLINE}为空")
        elif deadline is None:
            problems.append(f"{DEADLINE}“{cells[DEADLINE]}”不是可识别的日期")
        errors += [f"第{row_number}行：{p}" for p in problems]
        if not problems and number and deadline:
            tasks.append(TaskData(number, title, lead, cooperating, deadline))
    if errors:
        raise PlanDataError(errors)
    if not tasks:
        raise PlanDataError([f"第{header_at + 1}行表头下没有任务"])
    return tasks


def write_annex_xlsx(tasks: Sequence[TaskData], units: Sequence[UnitData], path: Source,
                     groups: Mapping[str, Sequence[str]] | None = None, title: str = "具体任务分解表") -> None:
    """Write tasks as an annex-style table (title row, header, one row per task) that reads back equal
    (a task's indicator codes are not part of the annex layout and are not written)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "任务分解表"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(list(COLUMNS))
    for task in tasks:
        sheet.append([task.number, task.title, unit_text(task.lead, units, groups),
                      unit_text(task.cooperating, units, groups),
                      f"{task.deadline.year}年{task.deadline.month}月{task.deadline.day}日前"])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # user text starting with "=" stays text, never a formula
                cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    for letter, width in zip("ABCDE", (6, 60, 24, 30, 18)):
        sheet.column_dimensions[letter].width = width
    book.save(path)


def parse_deadline(value: Any) -> date | None:
    """A date cell, or text like 2018年12月31日前, 2018年7月底前, 2018-12-31; None if not a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = _squash(value)
    for pattern, build in _DATE_FORMS:
        match = pattern.match(text)
        if match and _BEFORE.fullmatch(text[match.end():]):
            try:
                return build(*map(int, match.groups()))
            except ValueError:  # 2018年2月30日
                return None
    return None


def check_archive(path_or_file: Source) -> None:
    """Refuse, before anything is decompressed, a file whose members would unpack too large (a zip bomb,
    a sheet of a million rows): the sizes are the zip's central directory's, which ``zipfile`` also
    holds every member to while reading (a member that unpacks larger fails its check)."""
    try:
        with zipfile.ZipFile(path_or_file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise PlanDataError([f"无法读取Excel文件（{e}）"]) from e
    finally:
        if hasattr(path_or_file, "seek"):
            path_or_file.seek(0)
    if len(members) > MAX_MEMBERS:
        raise PlanDataError([f"文件内部包含 {len(members)} 个部件，超过 {MAX_MEMBERS} 个，不是正常的任务分解表，未导入"])
    for member in members:
        if member.file_size > MAX_MEMBER_BYTES:
            raise PlanDataError([f"文件解压后过大：其中“{member.filename[:80]}”为 {member.file_size // _MB} MB，"
                                 f"超过 {MAX_MEMBER_BYTES // _MB} MB 上限（任务分解表最多 {MAX_ROWS} 行），未导入"])
    total = sum(m.file_size for m in members)
    if total > MAX_TOTAL_BYTES:
        raise PlanDataError([f"文件解压后共 {total // _MB} MB，超过 {MAX_TOTAL_BYTES // _MB} MB 上限，未导入"])


def _cell_values(sheet: Any) -> list[list[Any]]:
    """Cell values row by row from row 1 (at most MAX_ROWS rows of MAX_COLUMNS cells, streamed from a
    read-only sheet), a merged range's value copied into each of its cells."""
    rows: list[list[Any]] = []
    for number, row in enumerate(sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), 1):
        if number <= MAX_ROWS:
            rows.append(list(row))
        elif any(not _is_blank(v) for v in row):
            raise PlanDataError([f"任务分解表最多 {MAX_ROWS} 行，本文件第 {number} 行仍有内容，未导入"])
    for min_row, min_col, max_row, max_col in _merged_ranges(sheet):
        if min_row > len(rows) or min_col > MAX_COLUMNS:
            continue
        value = rows[min_row - 1][min_col - 1] if min_col - 1 < len(rows[min_row - 1]) else None
        for r in range(min_row - 1, min(max_row, len(rows))):
            row = rows[r]
            for c in range(min_col - 1, min(max_col, MAX_COLUMNS)):
                if c >= len(row):
                    row.extend([None] * (c + 1 - len(row)))
                row[c] = value
    return rows


def _merged_ranges(sheet: Any) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of the sheet's merged ranges: a read-only sheet does not
    read them, so its XML is streamed once more for its ``mergeCell`` elements."""
    ranges: list[tuple[int, int, int, int]] = []
    source = getattr(sheet, "_get_source", None)
    if source is None:  # an ordinary (not read-only) sheet
        return [(m.min_row, m.min_col, m.max_row, m.max_col) for m in sheet.merged_cells.ranges]
    with source() as xml:
        for _, element in ElementTree.iterparse(xml):
            if element.tag == _MERGE_CELL:
                try:
                    min_col, min_row, max_col, max_row = range_boundaries(element.get("ref", ""))
                except (ValueError, TypeError):
                    continue
                ranges.append((min_row, min_col, max_row, max_col))
            element.clear()
    return ranges


def _squash(value: Any) -> str:
    """Text with all whitespace removed (headers like "序  号", "2018年 12月 31日前")."""
    return re.sub(r"\s+", "", value) if isinstance(value, str) else ""


def _join_lines(value: Any) -> str:
    """A cell's text with its line breaks (wrapping artefacts) joined."""
    return "".join(line.strip() for line in str(value).splitlines()) if value is not None else ""


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _task_number(value: Any, problems: list[str]) -> int | None:
    if _is_blank(value):
        problems.append(f"{NUMBER}为空")
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\d+[.、]?", value.strip()):
        number = int(value.strip().rstrip(".、"))
    if number is None or number <= 0:
        problems.append(f"{NUMBER}“{value}”不是正整数")
        return None
    return number


def _units_in_cell(value: Any, column: str, units: Sequence[UnitData],
                   groups: Mapping[str, Sequence[str]] | None, problems: list[str]) -> tuple[str, ...]:
    """Units of one cell. Line breaks are separators or wrapping inside a name (各县\\n区人民政府):
    the longest run of lines that names a unit wins."""
    names: list[str] = []
    for piece in _UNIT_SEPARATORS.split(str(value) if value is not None else ""):
        lines = [line.strip() for line in piece.splitlines() if line.strip()]
        start = 0
        while start < len(lines):
            end = next((e for e in range(len(lines), start, -1)
                        if resolve_unit("".join(lines[start:e]), units, groups)), None)
            if end is None:  # nothing resolves: report the rest as one name
                names.append("".join(lines[start:]))
                break
            names.append("".join(lines[start:end]))
            start = end
    slugs, unit_problems = resolve_task_units(names, units, groups)
    problems += [f"{column}：{p}" for p in unit_problems]
    return slugs
