"""先进个人 on a commendation's edit screen: added, kept, printed in the PDF as the drafted text names
them, and removed again."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
from flask import Flask

from app.extensions import db
from app.notices.models import Notice
from tests.helpers import csrf_token

BODY = "\n".join([
    "为推动方案落实，市电商办对各县区工作推进情况进行了调度督查。现将有关情况通报如下。",
    "一、基本情况",
    "截至2018年12月28日，各地各部门认真落实方案部署，涌现出一批工作推进有力、成效突出的先进集体。",
    "二、先进集体",
    "金寨县所承担的3项工作任务一次性通过检查验收。",
    "三、表扬决定",
    "为表扬先进、激励担当，经研究，决定对金寨县予以通报表扬。",
    "四、有关要求",
    "希望受到表扬的单位和个人珍惜荣誉，再接再厉。",
    "特此通报。",
])


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    return re.sub(r"\s+", "", subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                                              capture_output=True, text=True).stdout)


def _edit(client, notice_id: int, version: int, rows: list[tuple[str, str, str]], remove: list[int] = ()):
    page = f"/notices/{notice_id}/edit"
    token = csrf_token(client, page)
    with client.application.app_context():
        notice = db.session.get(Notice, notice_id)
        body, title, addressees = notice.body, notice.title, notice.addressees
    data = {"csrf_token": token, "version": str(version), "title": title, "addressees": addressees, "body": body,
            "subject_units": ["jinzhai"], "individuals_form": "1",
            "individual_name": [r[0] for r in rows], "individual_unit": [r[1] for r in rows],
            "individual_deed": [r[2] for r in rows], "individual_remove": [str(i) for i in remove]}
    return client.post(page, data=data)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_the_clerk_names_an_individual_on_the_screen_and_the_pdf_prints_them(app: Flask, client, auth,
                                                                          tmp_path) -> None:
    app.config["PLANDESK_TODAY"] = date(2018, 12, 28)
    auth.login("city_reviewer")
    token = csrf_token(client, "/filing/notices/new")
    r = client.post("/filing/notices/new", data={
        "csrf_token": token, "kind": "commendation", "title": "关于2018年农村电商工作成效突出单位的通报",
        "addressees": "各县区人民政府，市直有关部门", "body": BODY, "subject_units": ["jinzhai"]})
    assert r.status_code == 302
    notice_id = int(r.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/notices/{notice_id}/edit").get_data(as_text=True)
    assert "data-individuals" in page and page.count('name="individual_name"') == 2  # two blank rows

    # a half-filled row is refused with its reason and nothing changes
    r = _edit(client, notice_id, 1, [("李华", "", "")])
    assert r.status_code == 200 and "第1名先进个人的“单位”不能为空" in r.get_data(as_text=True)

    r = _edit(client, notice_id, 1, [("张明", "金寨县商务局", "带头推进大湾村电商服务站点建设"),
                                     ("王芳", "舒城县供销社", "组织电商培训1,200人次"), ("", "", "")])
    assert r.status_code == 302
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        assert notice.individuals == [
            {"name": "张明", "unit_name": "金寨县商务局", "deed": "带头推进大湾村电商服务站点建设"},
            {"name": "王芳", "unit_name": "舒城县供销社", "deed": "组织电商培训1,200人次"}]
        lines = notice.body.split("\n")
        assert lines[lines.index("二、先进集体") + 2:lines.index("二、先进集体") + 5] == [
            "三、先进个人", "（一）金寨县商务局张明同志。带头推进大湾村电商服务站点建设。",
            "（二）舒城县供销社王芳同志。组织电商培训1,200人次。"]
        assert "四、表扬决定" in lines and "五、有关要求" in lines
        assert "成效突出的先进集体和先进个人。" in notice.body
        assert notice.title == "关于2018年农村电商工作成效突出单位和个人的通报"
        assert "决定对金寨县和张明、王芳同志予以通报表扬。" in notice.body
    page = client.get(f"/notices/{notice_id}/edit").get_data(as_text=True)
    assert 'value="张明"' in page and 'value="舒城县供销社"' in page
    text = _pdf_text(client.get(f"/items/{notice_id}/notice.pdf").data, tmp_path)
    assert "三、先进个人" in text and "（一）金寨县商务局张明同志。带头推进大湾村电商服务站点建设。" in text
    assert "决定对金寨县和张明、王芳同志予以通报表扬。" in text

    # removing 张明 renumbers; removing everyone takes the section and the names out again
    r = _edit(client, notice_id, 2, [("张明", "金寨县商务局", "带头推进大湾村电商服务站点建设"),
                                     ("王芳", "舒城县供销社", "组织电商培训1,200人次")], remove=[0])
    assert r.status_code == 302
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        assert [p["name"] for p in notice.individuals] == ["王芳"]
        assert "（一）舒城县供销社王芳同志。" in notice.body and "张明" not in notice.body
    r = _edit(client, notice_id, 3, [("王芳", "舒城县供销社", "组织电商培训1,200人次")], remove=[0])
    assert r.status_code == 302
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        assert notice.individuals == [] and notice.body == BODY
        assert notice.title == "关于2018年农村电商工作成效突出单位的通报"
    assert "王芳" not in _pdf_text(client.get(f"/items/{notice_id}/notice.pdf").data, tmp_path)


def test_a_criticism_has_no_individuals_on_its_edit_screen(app: Flask, client, auth) -> None:
    auth.login("city_reviewer")
    token = csrf_token(client, "/filing/notices/new")
    r = client.post("/filing/notices/new", data={
        "csrf_token": token, "kind": "criticism", "title": "关于部分县区推进不力的通报",
        "addressees": "各县区人民政府", "body": "特此通报。", "subject_units": ["huoqiu"]})
    page = client.get(r.headers["Location"].replace("/items/", "/notices/") + "/edit").get_data(as_text=True)
    assert "data-individuals" not in page and "individual_name" not in page
