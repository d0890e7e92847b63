"""表13 定点医疗机构申请表 and 表14 定点零售药店申请表 (the seeds' reference forms), prefilled from
the institution's record and its designation application, to be printed, signed and sealed.

What the record does not hold (所有制形式, 经营面积, staff lists, equipment …) is left blank for
the institution to fill in by hand, as on the paper form.
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from yibao.documents.pdf import register_cjk_font, styles
from yibao.institutions.models import Institution, InstitutionKind

BLANK = ""
HOSPITAL_TITLE = "定点医疗机构申请表"
PHARMACY_TITLE = "定点零售药店申请表"
HOSPITAL_PROMISE = ("本机构自愿申请承担医疗保障服务，并严格遵守医疗保障有关管理规定，对所提交资料的真实性负责，如有虚假不实，"
                    "本机构将承担由此带来的一切法律、经济等方面后果及责任。本机构已认真阅读《医疗机构医疗保障定点管理暂行办法》"
                    "（国家医疗保障局令第2号）申请定点相关要求，无第十二条不予受理情形；已认真阅读{agency}定点医疗机构协议管理要求，"
                    "承诺在申请纳入协议管理后严格遵守协议管理的各项要求。")
PHARMACY_PROMISE = ("本单位自愿申请承担医疗保障服务，并严格遵守医疗保障有关管理规定，对所提交资料的真实性负责，如有虚假不实，"
                    "本机构将承担由此带来的一切法律、经济等方面后果及责任。本机构已认真阅读《零售药店医疗保障定点管理暂行办法》"
                    "（国家医疗保障局令第3号）申请定点相关要求，无第十一条不予受理情形；已认真阅读{agency}定点零售药店协议管理要求，"
                    "承诺在申请纳入协议管理后严格遵守协议管理的各项要求。")


def _p(text: object, style: str = "cell") -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), styles()[style])


def _tick(chosen: bool) -> str:
    return "☑" if chosen else "□"


def _grid(rows: list[list[str]], width: float) -> Table:
    columns = max(len(r) for r in rows)
    cells = [[_p(c) for c in row] + [_p("")] * (columns - len(row)) for row in rows]
    return Table(cells, colWidths=[width / columns] * columns, style=[
        ("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")])


def _hospital_rows(institution: Institution, form: dict) -> list[list[str]]:
    scope = form.get("business_scope") or []
    return [
        ["医疗机构名称", institution.name, "医疗机构地址", institution.address],
        ["统一社会信用代码", institution.uscc, "所有制形式", BLANK],
        ["执业许可证号", institution.licence_number, "主管部门", BLANK],
        ["经营性质", BLANK, "正式运营时间", f"{institution.opened_on:%Y年%m月%d日}"],
        ["批准床位数", f"{institution.beds}", "经营面积", BLANK],
        ["基本账户开户银行及账号", f"{institution.bank_name} {institution.bank_account}".strip(),
         "医疗机构等级", institution.get_level_display() if institution.level else BLANK],
        ["法定代表人", f"姓名：{institution.legal_representative}", "联系电话：", institution.phone],
        ["主管医保工作负责人", form.get("insurance_head", ""), "联系电话", form.get("insurance_head_phone", "")],
        ["医保职能部门联系人", BLANK, "联系电话", BLANK],
        ["医保管理专（兼）职人数", f"{form.get('insurance_staff_count', '') or ''}", "医疗机构类型",
         institution.hospital_type],
        ["申请业务内容", f"住院{_tick('住院' in scope)} 门诊{_tick('门诊' in scope)}", "科室设置",
         "、".join(institution.departments or [])],
    ]


def _pharmacy_rows(institution: Institution, form: dict) -> list[list[str]]:
    return [
        ["药店名称", institution.name, "药店地址", institution.address],
        ["统一社会信用代码", institution.uscc, "药品经营许可证号", institution.licence_number],
        ["所有制形式", BLANK, "药店性质",
         f"直营{_tick(False)} 加盟{_tick(False)} 单体{_tick(not institution.is_chain)} 其他{_tick(False)}"
         + ("（连锁）" if institution.is_chain else "")],
        ["营业面积（平方米）", BLANK, "基本账户开户银行及账号", f"{institution.bank_name} {institution.bank_account}".strip()],
        ["上级公司统一社会信用代码", institution.operator_uscc if institution.operator_uscc != institution.uscc else BLANK,
         "开业日期", f"{institution.opened_on:%Y年%m月%d日}"],
        ["法定代表人", f"姓名：{institution.legal_representative}", "联系电话：", institution.phone],
        ["执业药师人数", f"{institution.pharmacists}", "药师配置情况", "（另附名单：姓名、技术资格、证书编号、注册地、劳动合同有效时限）"],
        ["医保管理工作负责人", form.get("insurance_head", ""), "联系电话", form.get("insurance_head_phone", "")],
        ["医保管理工作专（兼）职人数", f"{form.get('insurance_staff_count', '') or ''}", "医保管理人员", "（另附名单）"],
    ]


def application_form_pdf(*, institution: Institution, form: dict, agency_name: str, applied_on) -> bytes:
    """表13 (hospital) or 表14 (pharmacy) with what the record and the application hold filled in."""
    hospital = institution.kind == InstitutionKind.HOSPITAL
    title = HOSPITAL_TITLE if hospital else PHARMACY_TITLE
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, initialFontName=register_cjk_font(), title=title,
                            subject="申请定点", invariant=1)
    rows = _hospital_rows(institution, form) if hospital else _pharmacy_rows(institution, form)
    promise = (HOSPITAL_PROMISE if hospital else PHARMACY_PROMISE).format(agency=agency_name or "本统筹区医疗保障经办机构")
    story = [
        _p(title, "title"), Spacer(1, 3 * mm),
        _p(f"申请单位：{institution.name}", "body"),
        _p(f"申请时间：{applied_on:%Y年%m月%d日}" if applied_on else "申请时间：　　年　　月　　日", "body"),
        Spacer(1, 3 * mm), _grid(rows, doc.width), Spacer(1, 3 * mm),
        _p("申请承诺", "heading"), _p(promise, "body"), Spacer(1, 6 * mm),
        _p("法定代表人签字：　　　　　　　　（单位盖章）", "body"), _p("　　　　　　　　　　　　　　年　　月　　日", "body"),
        Spacer(1, 4 * mm),
        _p("风险提示：申请定点的" + ("医疗机构" if hospital else "零售药店")
           + "可能存在前期经费投入，当评估不合格时可能会产生经济损失。", "body"),
    ]
    doc.build(story)
    return buffer.getvalue()
