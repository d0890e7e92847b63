"""Certificates and records printed from the enrollment data, each issued with a verification code.

- 《基本医疗保险参保凭证》: the document the transfer-out region gives under
  医保办发〔2021〕43号 (关于印发《基本医疗保障关系转移接续暂行办法》经办规程): the
  person, the 险种 with their start/end and months paid per year, the unit, the
  home agency and its administrative division code, and — for employees — the
  personal-account balance. Two variants: 职工 and 居民.
- 参保缴费记录 of a person and 缴费记录 of a unit for a period (months).
- 参保单位参保信息 (unit data, 险种, insured employees, arrears).

The verification page shows only the kind, the title, the masked name, the
issuer and the date (``subject_summary`` never holds an ID number).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yibao.agencies.models import Region
from yibao.documents.models import DocumentKind, IssuedDocument
from yibao.documents.pdf import register_cjk_font, styles
from yibao.documents.records import (
    CertificateFacts,
    CertificatePeriod,
    PersonRecord,
    RecordRefused,
    UnitInfo,
    UnitRecord,
    certificate_facts,
    person_record,
    unit_info,
    unit_record,
)
from yibao.documents.services import DocumentError, issue_document
from yibao.documents.verification import mask_name, verification_block
from yibao.enrollment.models import Person, Unit
from yibao.ids import mask_resident_id

Verification = tuple[str, str]
STORE_PREFIX = "issued"
CERTIFICATE_TITLE = "基本医疗保险参保凭证"


class CertificateRefused(DocumentError):
    """A certificate or record that cannot be issued (no period in the region, bad period …)."""


# --- layout helpers ------------------------------------------------------------------------

def _p(text: object, style: str = "cell") -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), styles()[style])


def _table(rows: list[list[object]], widths: list[float], *, header: bool = False,
           total_row: bool = False) -> Table:
    table = Table([[_p(cell) for cell in row] for row in rows], colWidths=widths,
                  repeatRows=1 if header else 0)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9aa9b8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), register_cjk_font()),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f8")))
    else:
        commands.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef3f8")))
    if total_row:
        commands.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f6f6f6")))
    table.setStyle(TableStyle(commands))
    return table


def _document(buffer: BytesIO, title: str, author: str) -> SimpleDocTemplate:
    # invariant: the same content gives the same bytes (no timestamp or random
    # file ID), so a stored copy and a reprint hash alike.
    return SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
        bottomMargin=16 * mm, initialFontName=register_cjk_font(), title=title, author=author,
        subject="医疗保障经办政务服务", invariant=1,
    )


def _date(value: datetime.date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "至今"


def _cn_date(value: datetime.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.quantize(Decimal('0.01')):,}"


def _footer(story: list, doc: SimpleDocTemplate, issuer: str, printed_on: datetime.date,
            verification: Verification | None) -> None:
    story += [Spacer(1, 6 * mm), _p(f"出具机构：{issuer}（电子印章）", "body"),
              _p(f"出具日期：{_cn_date(printed_on)}", "body")]
    if verification is not None:
        code, url = verification
        story += [Spacer(1, 5 * mm), *verification_block(code, url, width=doc.width)]


# --- renderers -------------------------------------------------------------------------------

def _paid_text(period: CertificatePeriod, *, resident: bool) -> str:
    # Residents pay once per 缴费年度, employees monthly: the certificate
    # counts years for the one and months per year for the other.
    if resident:
        return "、".join(f"{year}年度" for year, _ in period.months_by_year) or "无"
    per_year = "；".join(f"{year}年 {months}个月" for year, months in period.months_by_year) or "无"
    return f"{per_year}（合计 {period.months_total} 个月）"


def render_insurance_certificate(facts: CertificateFacts, *, contact: str = "",
                                 verification: Verification | None = None) -> bytes:
    """《基本医疗保险参保凭证》（职工 / 居民）."""
    buffer = BytesIO()
    doc = _document(buffer, CERTIFICATE_TITLE, facts.agency_name)
    width = doc.width
    story = [_p(CERTIFICATE_TITLE, "title"), _p(f"（{facts.variant_label}）", "subtitle")]
    person = [
        ["姓名", facts.name, "性别", facts.sex],
        ["证件类型", facts.id_type, "证件号码", facts.id_number],
        ["出生日期", _date(facts.birth_date), "参保险种", facts.variant_label],
        ["参保地", f"{facts.region_name}（{facts.region_code}）",
         "参保地经办机构", f"{facts.agency_name}（行政区划代码 {facts.agency_code}）"],
    ]
    if facts.variant == "employee":
        person.append(["个人账户余额（元）", _money(facts.account_balance), "经办机构联系电话",
                       facts.agency_phone or "—"])
    else:
        person.append(["经办机构地址", facts.agency_address or "—", "经办机构联系电话", facts.agency_phone or "—"])
    if contact:
        person.append(["转出地经办机构联系人", contact, "", ""])
    story.append(_table(person, [30 * mm, width / 2 - 30 * mm, 30 * mm, width / 2 - 30 * mm]))
    story.append(_p("参保缴费情况", "heading"))
    paid_header = "已缴费年度" if facts.variant == "resident" else "实际缴费月数（按年度）"
    rows: list[list[object]] = [["险种", "参保状态", "参保开始日期", "参保终止日期", "参保单位", paid_header]]
    for period in facts.periods:
        rows.append([period.type_label, period.status_label, _date(period.start), _date(period.end),
                     period.unit, _paid_text(period, resident=facts.variant == "resident")])
    story.append(_table(rows, [30 * mm, 18 * mm, 22 * mm, 22 * mm, 40 * mm, width - 132 * mm], header=True))
    story += [Spacer(1, 3 * mm), _p("本凭证用于基本医疗保险关系转移接续，由参保人员交新参保地医保经办机构。", "small")]
    _footer(story, doc, facts.agency_name, facts.printed_on, verification)
    doc.build(story)
    return buffer.getvalue()


def _person_header(record: PersonRecord, width: float) -> Table:
    return _table([
        ["姓名", record.name, "证件号码", record.id_number],
        ["统筹区", record.region_name, "所属经办机构", record.agency_name],
        ["查询期间", f"{record.start:%Y-%m} 至 {record.end:%Y-%m}", "个人账户余额（元）", _money(record.account_balance)],
    ], [26 * mm, width / 2 - 26 * mm, 30 * mm, width / 2 - 30 * mm])


def render_person_record(record: PersonRecord, *, verification: Verification | None = None) -> bytes:
    """参保人员参保缴费记录: periods, then each month's contribution, with totals."""
    buffer = BytesIO()
    doc = _document(buffer, "参保人员参保缴费记录", record.agency_name)
    width = doc.width
    story = [_p("参保人员参保缴费记录", "title"), _p(f"{record.region_name}医疗保障经办服务", "subtitle"),
             _person_header(record, width), _p("参保信息", "heading")]
    rows: list[list[object]] = [["险种", "参保状态", "开始日期", "终止日期", "参保单位"]]
    rows += [[label, status, _date(start), _date(end), unit] for label, status, start, end, unit in record.periods]
    if len(rows) == 1:
        rows.append(["无参保记录", "", "", "", ""])
    story.append(_table(rows, [36 * mm, 20 * mm, 24 * mm, 24 * mm, width - 104 * mm], header=True))
    story.append(_p("缴费明细", "heading"))
    rows = [["费款所属期", "险种", "缴费基数", "单位缴费", "个人缴费", "合计", "到账情况"]]
    for line in record.lines:
        rows.append([f"{line.month:%Y-%m}", line.type_label, _money(line.base), _money(line.unit_part),
                     _money(line.personal_part), _money(line.total), "已到账" if line.paid else "欠费"])
    totals = record.totals
    rows.append(["合计", f"已到账 {totals.months_paid} 条，欠费 {totals.months_owed} 条", "",
                 _money(totals.unit_part), _money(totals.personal_part), _money(totals.total),
                 f"已缴 {_money(totals.paid)}；欠缴 {_money(totals.owed)}"])
    story.append(_table(rows, [20 * mm, 34 * mm, 22 * mm, 22 * mm, 22 * mm, 22 * mm, width - 142 * mm],
                        header=True, total_row=True))
    _footer(story, doc, record.agency_name, record.printed_on, verification)
    doc.build(story)
    return buffer.getvalue()


def render_unit_record(record: UnitRecord, *, verification: Verification | None = None) -> bytes:
    """参保单位缴费记录: per month and 险种 — persons, bases, parts, paid and owed — with totals."""
    buffer = BytesIO()
    doc = _document(buffer, "参保单位缴费记录", record.agency_name)
    width = doc.width
    story = [_p("参保单位医疗、生育保险缴费记录", "title"), _p(f"{record.region_name}医疗保障经办服务", "subtitle"),
             _table([["单位名称", record.name], ["统一社会信用代码", record.uscc],
                     ["所属经办机构", record.agency_name],
                     ["查询期间", f"{record.start:%Y-%m} 至 {record.end:%Y-%m}"]], [34 * mm, width - 34 * mm]),
             _p("缴费明细", "heading")]
    rows: list[list[object]] = [["费款所属期", "险种", "人数", "缴费基数合计", "单位缴费", "个人缴费", "已缴", "欠缴"]]
    for line in record.lines:
        rows.append([f"{line.month:%Y-%m}", line.type_label, line.persons, _money(line.base),
                     _money(line.unit_part), _money(line.personal_part), _money(line.paid), _money(line.owed)])
    totals = record.totals
    rows.append(["合计", "", "", "", _money(totals.unit_part), _money(totals.personal_part),
                 _money(totals.paid), _money(totals.owed)])
    story.append(_table(rows, [20 * mm, 32 * mm, 12 * mm, 24 * mm, 22 * mm, 22 * mm, 22 * mm, width - 154 * mm],
                        header=True, total_row=True))
    _footer(story, doc, record.agency_name, record.printed_on, verification)
    doc.build(story)
    return buffer.getvalue()


def render_unit_info(info: UnitInfo, *, verification: Verification | None = None) -> bytes:
    """参保单位参保信息: registration data, 险种, insured employees and arrears."""
    buffer = BytesIO()
    doc = _document(buffer, "参保单位参保信息", info.agency_name)
    width = doc.width
    employees = "；".join(f"{label} {n} 人" for label, n in info.employees_by_type) or "无"
    story = [_p("参保单位参保信息", "title"), _p(f"{info.region_name}医疗保障经办服务", "subtitle"),
             _table([
                 ["单位名称", info.name], ["统一社会信用代码", info.uscc], ["单位类型", info.unit_type],
                 ["参保状态", info.status], ["参保日期", _date(info.registered_on)],
                 ["单位地址", info.address or "—"], ["法定代表人", info.legal_representative or "—"],
                 ["联系人及电话", info.contact or "—"],
                 ["所属经办机构", f"{info.agency_name}（{info.agency_code}）"],
                 ["参保险种", "、".join(info.insurance_types) or "—"],
                 ["在保职工人数", f"{info.employees} 人（{employees}）"],
                 ["欠费金额（元）", _money(info.arrears)],
                 ["欠费所属期", "、".join(info.months_owed) or "无"],
             ], [34 * mm, width - 34 * mm])]
    _footer(story, doc, info.agency_name, info.printed_on, verification)
    doc.build(story)
    return buffer.getvalue()


# --- issuing ---------------------------------------------------------------------------------

def _masked_person(name: str) -> str:
    return mask_name(name)


def issue_insurance_certificate(*, person: Person, region: Region, actor: str, case_number: str = "",
                                contact: str = "") -> tuple[bytes, IssuedDocument]:
    """Issue the person's 《基本医疗保险参保凭证》 in ``region`` with a verification code.

    The variant (职工/居民) follows the person's latest basic period there;
    refused (``CertificateRefused``) when the person has no period in the region.
    """
    try:
        facts = certificate_facts(person=person, region=region)
    except RecordRefused as exc:
        raise CertificateRefused(str(exc)) from exc
    content, document = issue_document(
        kind=DocumentKind.CERTIFICATE, title=f"{CERTIFICATE_TITLE}（{facts.variant_label}）",
        subject_summary=f"{_masked_person(person.name)} 的{CERTIFICATE_TITLE}（{facts.variant_label}，{region.name}）",
        issuer=facts.agency_name,
        pdf_builder=lambda code, url: render_insurance_certificate(facts, contact=contact, verification=(code, url)),
        case_number=case_number, actor=actor,
    )
    return content, document


def issue_person_record(*, person: Person, start: datetime.date, end: datetime.date, actor: str,
                        case_number: str = "") -> tuple[bytes, IssuedDocument]:
    """Issue the person's 参保缴费记录 for the months ``start``–``end`` with a verification code."""
    record = person_record(person=person, start=start, end=end)
    content, document = issue_document(
        kind=DocumentKind.CONTRIBUTION_RECORD, title="参保人员参保缴费记录",
        subject_summary=f"{_masked_person(person.name)} {start:%Y-%m} 至 {end:%Y-%m} 的参保缴费记录",
        issuer=record.agency_name,
        pdf_builder=lambda code, url: render_person_record(record, verification=(code, url)),
        case_number=case_number, actor=actor,
    )
    return content, document


def issue_unit_record(*, unit: Unit, start: datetime.date, end: datetime.date, actor: str,
                      case_number: str = "") -> tuple[bytes, IssuedDocument]:
    """Issue the unit's 缴费记录 for the months ``start``–``end`` with a verification code."""
    record = unit_record(unit=unit, start=start, end=end)
    content, document = issue_document(
        kind=DocumentKind.CONTRIBUTION_RECORD, title="参保单位医疗、生育保险缴费记录",
        subject_summary=f"{unit.name} {start:%Y-%m} 至 {end:%Y-%m} 的缴费记录",
        issuer=record.agency_name,
        pdf_builder=lambda code, url: render_unit_record(record, verification=(code, url)),
        case_number=case_number, actor=actor,
    )
    return content, document


def issue_unit_info(*, unit: Unit, actor: str, case_number: str = "") -> tuple[bytes, IssuedDocument]:
    """Issue the unit's 参保单位参保信息 with a verification code."""
    info = unit_info(unit=unit)
    content, document = issue_document(
        kind=DocumentKind.OTHER, title="参保单位参保信息",
        subject_summary=f"{unit.name} 的参保单位参保信息",
        issuer=info.agency_name,
        pdf_builder=lambda code, url: render_unit_info(info, verification=(code, url)),
        case_number=case_number, actor=actor,
    )
    return content, document


# --- documents kept with a case ------------------------------------------------------------

def _stored_path(code: str) -> str:
    return f"{STORE_PREFIX}/{code[:2]}/{code}.pdf"


def keep_case_document(document: IssuedDocument, content: bytes) -> None:
    """Store the bytes of a document issued at a case's 办结, for the case page's download.

    Stored under the verification code; the registered SHA-256 is of these very bytes.
    """
    path = _stored_path(document.code)
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(content))


def is_kept(document: IssuedDocument) -> bool:
    return default_storage.exists(_stored_path(document.code))


def kept_content(document: IssuedDocument) -> bytes | None:
    path = _stored_path(document.code)
    if not default_storage.exists(path):
        return None
    with default_storage.open(path, "rb") as handle:
        return handle.read()


def masked_subject(name: str, id_number: str) -> str:
    """For lists: a masked name and ID number."""
    return f"{mask_name(name)} {mask_resident_id(id_number)}"
