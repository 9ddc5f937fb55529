"""The Chinese error pages of the screens (the API answers JSON on its own)."""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l

from app.uploads import max_upload, size_label

ERROR_PAGES = {
    403: (_l("无权访问"), _l("您的角色无权打开该页面。")),
    404: (_l("事项不存在或无权查看"), _l("您要打开的内容不存在，或不在您的查看范围内。")),
    413: (_l("上传的文件过大"), _l("上传的文件超过大小限制（单个文件不超过 %(size)s），请压缩或分次上传。")),
}


def error_page(exc: Any) -> tuple[str, int]:
    code = getattr(exc, "code", 500) or 500
    heading, message = ERROR_PAGES.get(code, (_l("出错了"), _l("请求未能完成。")))
    if code == 413:
        message = str(message) % {"size": size_label(max_upload())}
    return render_template("web/error.html", code=code, heading=heading, message=message), code


def register_error_pages(bp: Any) -> None:
    """Chinese pages for refusals raised in a blueprint's views."""
    for code in ERROR_PAGES:
        bp.register_error_handler(code, error_page)
