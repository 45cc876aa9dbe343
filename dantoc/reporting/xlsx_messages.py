"""What an Excel upload tells the official, as (message level, text): the same words whether
the file was read at once or by the task worker."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dantoc.core.errors import ImportRejected, RowError
from dantoc.reporting import services
from dantoc.reporting.services.xlsx import report_xlsx_import

MAX_ERROR_MESSAGES = 50


def import_messages(
    *, actor, form, unit, period, data: bytes, progress=None
) -> list[tuple[str, str]]:
    """Import a filled Excel form; what to tell the official, as (message level, text).
    ``progress``: see ``report_xlsx_import``."""
    out: list[tuple[str, str]] = []
    try:
        result = report_xlsx_import(
            actor=actor, form=form, unit=unit, period=period, data=data, progress=progress
        )
    except ImportRejected as exc:
        out.append(
            (
                "error",
                _("Không nhập được tệp Excel (%(n)s lỗi); không có giá trị nào được ghi.")
                % {"n": len(exc.errors)},
            )
        )
        out += [("error", _error_text(error)) for error in exc.errors[:MAX_ERROR_MESSAGES]]
        if len(exc.errors) > MAX_ERROR_MESSAGES:
            out.append(
                ("error", _("… và %(n)s lỗi khác") % {"n": len(exc.errors) - MAX_ERROR_MESSAGES})
            )
        return out
    except services.ReportClosed as exc:
        return [("error", str(exc))]
    except ValidationError as exc:
        return [("error", " ".join(exc.messages))]
    saved, deleted = result.count("saved"), result.count("deleted")
    if saved or deleted:
        text = _("Đã nhập %(n)s giá trị từ tệp Excel") % {"n": saved}
        if deleted:
            text += _(", xoá %(n)s giá trị") % {"n": deleted}
        out.append(("success", text + "."))
    else:
        # Nothing was written: not a success, whatever the reason.
        out.append(
            (
                "warning",
                _(
                    "Tệp Excel không có thay đổi nào so với số liệu hiện có: "
                    "không có giá trị nào được ghi."
                ),
            )
        )
    return out


def _error_text(error: RowError) -> str:
    if error.sheet and error.row:
        return _("Trang tính “%(sheet)s”, ô %(cell)s: %(message)s") % {
            "sheet": error.sheet,
            "cell": f"{error.column}{error.row}",
            "message": error.message,
        }
    if error.sheet:
        return _("Trang tính “%(sheet)s”: %(message)s") % {
            "sheet": error.sheet,
            "message": error.message,
        }
    return error.message
