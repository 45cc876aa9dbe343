"""The certificate as a PDF in the Vietnamese administrative layout (Decree 30/2020, Appendix
I: the national motto block at the top right, the issuing body at the top left, the place and
date line, the signer's block), with a QR code of the public verification page. Fonts and the
date line come from ``dantoc.analytics.documents``."""

from __future__ import annotations

import io

import segno
from django.utils import timezone
from fpdf import FPDF

from dantoc.analytics.documents import font_files, vn_date_line


def certificate_pdf(*, certificate, verify_url: str) -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    for style, path in font_files().items():
        pdf.add_font("Liberation", style, str(path))
    pdf.set_title(f"Chứng nhận {certificate.uuid}")
    pdf.add_page()
    pdf.set_draw_color(120, 20, 20)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, 281, 194)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, 275, 188)

    issuer = certificate.issuer_unit
    pdf.set_xy(16, 16)
    pdf.set_font("Liberation", "", 12)
    pdf.multi_cell(
        110, 6, (issuer.parent.name.upper() if issuer.parent_id else "CHÍNH PHỦ"), align="C"
    )
    pdf.set_x(16)
    pdf.set_font("Liberation", "B", 12)
    pdf.multi_cell(110, 6, issuer.name.upper(), align="C")
    pdf.line(56, pdf.get_y() + 1, 86, pdf.get_y() + 1)

    pdf.set_xy(150, 16)
    pdf.set_font("Liberation", "B", 12)
    pdf.cell(130, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C")
    pdf.set_xy(150, 22)
    pdf.set_font("Liberation", "B", 13)
    pdf.cell(130, 6, "Độc lập - Tự do - Hạnh phúc", align="C")
    pdf.line(189, 29, 241, 29)

    pdf.set_xy(16, 52)
    pdf.set_font("Liberation", "B", 26)
    pdf.set_text_color(150, 20, 20)
    pdf.cell(265, 12, "GIẤY CHỨNG NHẬN", align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(16, 70)
    pdf.set_font("Liberation", "", 14)
    pdf.cell(265, 8, "Chứng nhận Ông/Bà", align="C")
    pdf.set_xy(16, 80)
    pdf.set_font("Liberation", "B", 20)
    pdf.cell(265, 10, certificate.holder_name, align="C")
    pdf.set_xy(36, 95)
    pdf.set_font("Liberation", "", 14)
    pdf.multi_cell(
        225, 8, "Đã " + certificate.achievement[0].lower() + certificate.achievement[1:], align="C"
    )

    issued = timezone.localtime(certificate.issued_at).date()
    place = (
        issuer.name.removeprefix("Tỉnh ")
        .removeprefix("Thành phố ")
        .removeprefix("Xã ")
        .removeprefix("Phường ")
    )
    pdf.set_xy(150, 135)
    pdf.set_font("Liberation", "I", 13)
    pdf.cell(130, 7, vn_date_line(place, issued), align="C")
    pdf.set_xy(150, 143)
    pdf.set_font("Liberation", "B", 13)
    pdf.cell(130, 7, f"THỦ TRƯỞNG {issuer.name.upper()}"[:60], align="C")
    pdf.set_xy(150, 150)
    pdf.set_font("Liberation", "I", 11)
    pdf.cell(130, 6, "(Chứng nhận điện tử, ký số Open Badges 3.0)", align="C")

    qr = segno.make(verify_url, error="m")
    image = io.BytesIO()
    qr.save(image, kind="png", scale=6, border=2)
    image.seek(0)
    pdf.image(image, x=24, y=128, w=42, h=42)
    pdf.set_xy(16, 172)
    pdf.set_font("Liberation", "", 9)
    pdf.multi_cell(120, 4.5, f"Kiểm tra: {verify_url}\nSố: {certificate.uuid}")
    return bytes(pdf.output())
