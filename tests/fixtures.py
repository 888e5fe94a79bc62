"""Makers of small real files of every supported format (and broken ones) for ingest tests."""

from __future__ import annotations

import io
from pathlib import Path

SAMPLE = (
    "厦府办规〔2025〕10号\n厦门市人民政府办公厅关于印发促进数据产业高质量发展若干措施的通知\n"
    "各区人民政府：\n《厦门市促进数据产业高质量发展若干措施》已经市政府同意，现印发给你们。\n"
    "厦门市人民政府办公厅\n2025年8月4日\n（此件主动公开）\n厦门市促进数据产业高质量发展若干措施\n"
    "一、构建数据基础设施支撑体系\n"
    "（六）提升企业数据治理能力。对首次通过DCMM三级、四级、五级评估认证的企业，分别给予一次性最高不超过30万元、40万元、50万元奖励。\n"
    "（七）本措施自发布之日起施行，有效期至2027年12月31日。\n"
)


def make_pdf(path: Path, lines: list[str]) -> Path:
    """A PDF with a real text layer (CID font STSong-Light, no embedding needed)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 10)
    y = 800
    for line in lines:
        for i in range(0, len(line), 40):
            c.drawString(40, y, line[i : i + 40])
            y -= 16
            if y < 60:
                c.drawString(280, 30, f"— {c.getPageNumber()} —")
                c.showPage()
                c.setFont("STSong-Light", 10)
                y = 800
    c.showPage()
    c.save()
    return path


def make_docx(path: Path, lines: list[str]) -> Path:
    from docx import Document

    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    doc.save(str(path))
    return path


def make_html(path: Path, lines: list[str]) -> Path:
    body = "".join(f"<p>{line}</p>" for line in lines)
    html = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>厦门市人民政府</title>"
        "<script>var tracker = '注入的脚本文本';</script><style>.x{color:red}</style></head><body>"
        "<nav><a href='/'>首页</a> &gt; <a href='/zwgk'>政务公开</a></nav>"
        "<header>厦门市人民政府门户网站</header>"
        f"<div class='article'><div id='zoom'>{body}</div></div>"
        "<iframe src='https://example.org/ad'>广告内容</iframe>"
        "<footer>版权所有：厦门市人民政府办公厅 网站标识码</footer></body></html>"
    )
    path.write_text(html, "utf-8")
    return path


def docx_bytes(lines: list[str]) -> bytes:
    buf = io.BytesIO()
    from docx import Document

    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    doc.save(buf)
    return buf.getvalue()
