"""Evidence files of an item: upload, download, withdraw."""
from __future__ import annotations

from typing import Any


from flask import Response

from app.api.errors import bad_request
from app.api.registry import Call, Multipart, Reply, endpoint
from app.api.schemas import AttachmentOut
from app.api.reply import iso_datetime
from app.attachments.download import attachment_response
from app.attachments.models import Attachment
from app.attachments.operations import KINDS, add_attachment, delete_attachment, open_attachment

UPLOAD = Multipart(fields={"kind": "材料类别：" + "、".join(f"{k}（{v}）" for k, v in KINDS.items()) + "；默认 evidence"},
                   files={"file": "文件：PDF、PNG、JPEG、docx、xlsx 或 UTF-8 纯文本，按内容判断类型"},
                   required_files=("file",))


@endpoint("POST", "/items/<int:item_id>/attachments", summary="上传证明材料", tags=("attachments",),
          multipart=UPLOAD, status=201, response=AttachmentOut, errors=(403, 409, 422), idempotent=True)
def post_attachment(call: Call, item_id: int) -> Reply:
    """Only the item's own filer, while it is a draft (or a task in implementation). The type is
    judged by content; an empty file or another type is 422, a file over the limit 413."""
    upload = call.files.get("file")
    if upload is None:
        raise bad_request("缺少文件（multipart 字段 file）", fields={"file": ["必填"]})
    kind = call.form.get("kind", "evidence")
    if kind not in KINDS:
        raise bad_request("材料类别只能是：" + "、".join(KINDS), fields={"kind": ["未知类别"]})
    attachment = add_attachment(item_id, call.actor, upload.filename, upload.stream, kind)
    return Reply(attachment_dict(attachment), 201)


@endpoint("GET", "/items/<int:item_id>/attachments/<int:attachment_id>", summary="下载材料", tags=("attachments",),
          produces="file")
def get_attachment(call: Call, item_id: int, attachment_id: int) -> Response:
    """For whoever may see the item; the file as it was uploaded."""
    return attachment_response(open_attachment(item_id, attachment_id, call.actor))


@endpoint("DELETE", "/items/<int:item_id>/attachments/<int:attachment_id>", summary="撤回草稿中的材料",
          tags=("attachments",), status=204, errors=(403, 409))
def remove_attachment(call: Call, item_id: int, attachment_id: int) -> Reply:
    """Soft delete by the item's own filer while it is a draft; the audit chain records it."""
    delete_attachment(item_id, attachment_id, call.actor)
    return Reply(status=204)


def attachment_dict(att: Attachment) -> dict[str, Any]:
    return {"id": att.id, "name": att.name, "kind": att.kind, "content_type": att.content_type, "size": att.size,
            "sha256": att.sha256, "phase": att.phase, "uploaded_at": iso_datetime(att.uploaded_at)}
