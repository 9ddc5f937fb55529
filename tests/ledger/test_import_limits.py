"""Plan import limits: a workbook of a million rows, a zip bomb and an overlong table are refused with a
clear message before they are parsed, on the screen and by ``plan import-xlsx``, in bounded memory."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.config import ROOT
from app.plans.xlsx import MAX_ROWS
from tests.helpers import csrf_token

MB = 1024 * 1024
#: the reading process may not grow past this (the unlimited reader reached 1.1 to 1.9 GB)
MEMORY_BOUND_MB = 300
#: address space of the reading process: a reader without limits fails here instead of taking the machine
ADDRESS_SPACE_LIMIT = 3 * 1024 * MB

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"
_HEADER_ROW = ('<row r="1">' + "".join(f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'
                                       for col, text in zip("ABCDE", ("序号", "工作任务", "牵头责任单位", "配合单位", "时限要求")))
               + "</row>")


def _xlsx_parts(archive: zipfile.ZipFile) -> None:
    archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
    archive.writestr("_rels/.rels", _ROOT_RELS)
    archive.writestr("xl/workbook.xml", _WORKBOOK)
    archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)


def million_rows(path: Path, rows: int = 1_000_000) -> Path:
    """A real .xlsx of ``rows`` task rows (number, title, lead, deadline), written as a stream."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        _xlsx_parts(archive)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write((_SHEET_HEAD + _HEADER_ROW).encode())
            for start in range(2, rows + 2, 10_000):
                sheet.write("".join(
                    f'<row r="{r}"><c r="A{r}"><v>{r - 1}</v></c><c r="B{r}" t="inlineStr"><is><t>任务{r}</t></is>'
                    f'</c><c r="C{r}" t="inlineStr"><is><t>市商务局</t></is></c></row>'
                    for r in range(start, min(start + 10_000, rows + 2))).encode())
            sheet.write(_SHEET_TAIL.encode())
    return path


def zip_bomb(path: Path, members: int = 1, size: int = 300 * MB) -> Path:
    """A small .xlsx whose sheet XML (``members`` > 1: that many sheet-sized parts) unpacks to ``size``
    bytes each: one row repeated, which deflate shrinks about a thousand times."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    chunk = row * (MB // len(row))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        _xlsx_parts(archive)
        names = ["xl/worksheets/sheet1.xml"] + [f"xl/media/part{i}.xml" for i in range(1, members)]
        for name in names:
            with archive.open(name, "w", force_zip64=True) as part:
                part.write((_SHEET_HEAD + _HEADER_ROW).encode())
                for _ in range(size // MB):
                    part.write(chunk)
                part.write(_SHEET_TAIL.encode())
    return path


@pytest.fixture(scope="module")
def huge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return million_rows(tmp_path_factory.mktemp("huge") / "million.xlsx")


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return zip_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx")


_READER = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from app.plans.schema import PlanDataError
from app.plans.xlsx import read_annex_xlsx
try:
    read_annex_xlsx(sys.argv[1], [], {{}})
    errors = []
except PlanDataError as exc:
    errors = list(exc.errors)
except MemoryError:
    errors = ["MemoryError"]
def peak_mb():
    # VmHWM: the peak resident size of this program's own memory; ru_maxrss would also count the
    # parent's size at fork (Linux carries it across exec), i.e. the whole test run's
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"errors": errors, "peak_mb": peak_mb()}}))
"""


def read_in_subprocess(path: Path) -> dict:
    """read_annex_xlsx on ``path`` in a fresh interpreter: its errors and its peak resident memory (MB)."""
    done = subprocess.run([sys.executable, "-c", _READER.format(limit=ADDRESS_SPACE_LIMIT), str(path)],
                          cwd=ROOT, capture_output=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def test_a_million_row_workbook_is_refused_before_parsing_in_bounded_memory(huge: Path) -> None:
    assert huge.stat().st_size < 20 * MB  # small enough to upload
    result = read_in_subprocess(huge)
    assert len(result["errors"]) == 1 and "解压后过大" in result["errors"][0], result
    assert "xl/worksheets/sheet1.xml" in result["errors"][0]
    assert result["peak_mb"] < MEMORY_BOUND_MB, result


def test_a_zip_bomb_is_refused_before_parsing_in_bounded_memory(bomb: Path) -> None:
    assert bomb.stat().st_size < 2 * MB
    result = read_in_subprocess(bomb)
    [error] = result["errors"]
    assert "解压后过大" in error and "超过 20 MB 上限" in error, result
    assert result["peak_mb"] < MEMORY_BOUND_MB, result


def test_many_parts_over_the_total_are_refused(tmp_path: Path) -> None:
    """Every part under the per-file limit, together over the total."""
    result = read_in_subprocess(zip_bomb(tmp_path / "parts.xlsx", members=4, size=15 * MB))
    assert len(result["errors"]) == 1 and "解压后共" in result["errors"][0] and "50 MB" in result["errors"][0], result


def test_more_rows_than_a_plan_has_are_refused(tmp_path: Path) -> None:
    """Under the size limits but past MAX_ROWS rows: refused while streaming, nothing past the cap kept."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"])
    for number in range(1, MAX_ROWS + 1):
        sheet.append([number, f"任务{number}", "市商务局", "", "2018年12月31日前"])
    path = tmp_path / "long.xlsx"
    book.save(path)
    result = read_in_subprocess(path)
    assert result["errors"] == [f"任务分解表最多 {MAX_ROWS} 行，本文件第 {MAX_ROWS + 1} 行仍有内容，未导入"], result


@pytest.fixture(scope="module")
def small_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 MB in about 90 KB (the test client spools larger uploads to a file it never closes)."""
    return zip_bomb(tmp_path_factory.mktemp("small-bomb") / "bomb.xlsx", size=30 * MB)


def test_the_screen_refuses_a_zip_bomb_in_chinese(app, auth, client, small_bomb: Path) -> None:
    bomb = small_bomb
    assert bomb.stat().st_size < 500 * 1024
    auth.login("admin")
    token = csrf_token(client, "/admin/plan-import")
    response = client.post("/admin/plan-import", data={
        "csrf_token": token, "file": (io.BytesIO(bomb.read_bytes()), "plan.xlsx")},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:500]
    assert "解压后过大" in page and "未导入" in page and "确认导入" not in page
    stash = Path(app.config["PLANDESK_STORAGE_DIR"]) / "imports"
    assert not stash.exists() or not any(stash.iterdir())


def test_the_cli_refuses_a_zip_bomb_with_a_clear_error(app, bomb: Path) -> None:
    result = app.test_cli_runner().invoke(args=["plan", "import-xlsx", str(bomb)])
    assert result.exit_code == 1
    assert "任务分解表有误，未导入任何内容" in result.output and "解压后过大" in result.output, result.output
    result = app.test_cli_runner().invoke(args=["plan", "import-xlsx", str(bomb.with_name("nothing.xlsx"))])
    assert result.exit_code == 2 and "does not exist" in result.output
