"""A small document model shared by the forms: the same content renders to HTML (browser, print) and to PDF.

Forms are built as a list of blocks (heading, paragraph, key/value table, table), so each form is written
once and the two renderers stay in step. PDF uses fpdf2 with a TrueType font that has Vietnamese glyphs
(DejaVu Sans, from Debian's fonts-dejavu-core, installed by `make install`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool = False
    align: str = "L"  # L, C, R


@dataclass(frozen=True)
class KeyValues:
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[int, ...] = ()  # relative widths; equal when empty


@dataclass(frozen=True)
class Signatures:
    left: tuple[str, str]  # (role, name)
    right: tuple[str, str]


Block = Heading | Paragraph | KeyValues | Table | Signatures


@dataclass(frozen=True)
class Document:
    title: str
    form_no: str
    header_left: tuple[str, ...]
    header_right: tuple[str, ...] = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
    blocks: tuple[Block, ...] = field(default_factory=tuple)


def to_html(doc: Document) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>",
        f"<title>{e(doc.title)}</title>",
        "<style>body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:800px;margin:2em auto;font-size:14px}"
        ".hdr{display:flex;justify-content:space-between;text-align:center;font-weight:bold}"
        ".form{text-align:right;font-style:italic}h1{text-align:center;font-size:18px}"
        "table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #999;padding:4px}"
        "table.kv td{border:none;padding:2px 4px}table.kv td:first-child{width:40%;color:#333}"
        ".sig{display:flex;justify-content:space-between;text-align:center;margin-top:2em}</style></head><body>",
        f"<div class='form'>Mẫu số {e(doc.form_no)}</div>",
        "<div class='hdr'><div>"
        + "<br>".join(e(x) for x in doc.header_left)
        + "</div><div>"
        + "<br>".join(e(x) for x in doc.header_right)
        + "</div></div>",
        f"<h1>{e(doc.title)}</h1>",
    ]
    for block in doc.blocks:
        if isinstance(block, Heading):
            parts.append(f"<h{block.level + 1}>{e(block.text)}</h{block.level + 1}>")
        elif isinstance(block, Paragraph):
            align = {"L": "left", "C": "center", "R": "right"}[block.align]
            text = f"<b>{e(block.text)}</b>" if block.bold else e(block.text)
            parts.append(f"<p style='text-align:{align}'>{text}</p>")
        elif isinstance(block, KeyValues):
            rows = "".join(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in block.rows)
            parts.append(f"<table class='kv'>{rows}</table>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{e(h)}</th>" for h in block.header)
            body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in block.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        else:
            parts.append(
                f"<div class='sig'><div><b>{e(block.left[0])}</b><br><br><br>{e(block.left[1])}</div>"
                f"<div><b>{e(block.right[0])}</b><br><br><br>{e(block.right[1])}</div></div>"
            )
    parts.append("</body></html>")
    return "".join(parts)


def to_pdf(doc: Document) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
    pdf.set_title(doc.title)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("DejaVu", "I", 9)
    pdf.cell(width, 5, f"Mẫu số {doc.form_no}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "B", 10)
    top = pdf.get_y()
    pdf.multi_cell(width * 0.45, 5, "\n".join(doc.header_left), align="C")
    left_end = pdf.get_y()
    pdf.set_xy(pdf.l_margin + width * 0.45, top)
    pdf.multi_cell(width * 0.55, 5, "\n".join(doc.header_right), align="C")
    pdf.set_y(max(left_end, pdf.get_y()) + 6)
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(width, 8, doc.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    for block in doc.blocks:
        if isinstance(block, Heading):
            pdf.set_font("DejaVu", "B", 12)
            pdf.multi_cell(width, 7, block.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        elif isinstance(block, Paragraph):
            pdf.set_font("DejaVu", "B" if block.bold else "", 10)
            pdf.multi_cell(width, 6, block.text, align=block.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        elif isinstance(block, KeyValues):
            pdf.set_font("DejaVu", "", 10)
            with pdf.table(
                col_widths=(40, 60), borders_layout="NONE", first_row_as_headings=False, line_height=6
            ) as table:
                for key, value in block.rows:
                    row = table.row()
                    row.cell(key)
                    row.cell(value)
        elif isinstance(block, Table):
            pdf.set_font("DejaVu", "", 9)
            widths = block.widths or tuple(1 for _ in block.header)
            with pdf.table(col_widths=widths, line_height=5) as table:
                head = table.row()
                for h in block.header:
                    head.cell(h)
                for values in block.rows:
                    row = table.row()
                    for value in values:
                        row.cell(value)
        else:
            pdf.ln(6)
            pdf.set_font("DejaVu", "B", 10)
            y = pdf.get_y()
            pdf.multi_cell(width / 2, 6, f"{block.left[0]}\n\n\n\n{block.left[1]}", align="C")
            pdf.set_xy(pdf.l_margin + width / 2, y)
            pdf.multi_cell(width / 2, 6, f"{block.right[0]}\n\n\n\n{block.right[1]}", align="C")
        pdf.ln(2)
    return bytes(pdf.output())
