"""The 14 Changzhi reference forms: data file, money in capitals, PDFs."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from yibao.documents.reference_forms import (
    FORMS_FILE,
    ReferenceFormError,
    load_reference_forms,
    load_reference_forms_from,
    money_in_capitals,
    render_reference_form,
)

TITLES = {
    "表1": "基本医疗保险单位参保信息登记表",
    "表2": "职工基本医疗保险参保登记表",
    "表3": "城乡居民基本医疗保险参保登记表",
    "表4": "基本医疗保险参保单位信息变更登记表",
    "表5": "基本医疗保险职工参保信息变更登记表",
    "表6": "基本医疗保险城乡居民参保信息变更登记表",
    "表7": "职工基本医疗保险个人账户一次性支取申请表",
    "表8": "参保人员基本医疗保险信息表",
    "表9": "异地就医登记备案表",
    "表10": "门诊慢特病病种待遇认定申请表",
    "表11": "医疗救助申请表",
    "表12": "个人承诺书",
    "表13": "定点医疗机构申请表",
    "表14": "定点零售药店申请表",
}

SOME_LABELS = {
    "表1": ["现统一社会信用代码", "法定代表人", "参保险种", "经办机构(盖章)"],
    "表2": ["身份证件号码", "在职转退休", "统筹区内转移", "灵活就业人员无需单位盖章和填写单位编码"],
    "表3": ["户籍所在地", "财政补助对象", "收件审核"],
    "表4": ["原登记事项", "变更事项", "住所(地址)"],
    "表5": ["变更项目", "变更前", "变更后", "参保人签字"],
    "表6": ["填报人", "变更项目", "经办机构意见"],
    "表7": ["支取原因", "继承人(代表人)基本情况", "代表全部继承人办理支取业务"],
    "表8": ["基本医疗保险类型", "行政区划代码", "个人账户实际转出资金", "备案编号"],
    "表9": ["社会保障卡卡号(可选)", "温馨提示", "异地急诊抢救人员视同已备案"],
    "表10": ["申报病种名称", "医保编码", "审批意见"],
    "表11": ["申请救助对象类别", "防止返贫监测对象", "经办机构意见"],
    "表12": ["承诺人(签名、指印)", "死亡证明"],
    "表13": ["执业许可证号", "大型医疗设备信息", "风险提示"],
    "表14": ["药品经营许可证号", "药师配置情况", "医保管理人员"],
}


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return squeeze("".join(page.extract_text() for page in reader.pages))


def test_the_fourteen_forms_load_with_the_seed_titles():
    forms = load_reference_forms()
    assert list(forms) == list(TITLES)
    assert {number: form.title for number, form in forms.items()} == TITLES
    for form in forms.values():
        assert form.fields(), form.number


def test_loader_is_cached():
    assert load_reference_forms() is load_reference_forms()


@pytest.mark.parametrize("number", list(TITLES))
def test_each_form_renders_with_title_and_labels(number):
    pdf = render_reference_form(number)
    assert pdf.startswith(b"%PDF")
    assert b"Helvetica" not in pdf
    text = pdf_text(pdf)
    assert squeeze(TITLES[number]) in text
    for label in SOME_LABELS[number]:
        assert squeeze(label) in text, (number, label)


def test_prefilled_values_appear():
    pdf = render_reference_form("表1", values={
        "unit_name": "长治市示例科技有限公司",
        "uscc": "91140400MA0K000000",
        "registration_type": "新参保登记",
        "insurance_types": ["职工基本医疗保险", "生育保险"],
    })
    text = pdf_text(pdf)
    assert "长治市示例科技有限公司" in text
    assert "91140400MA0K000000" in text
    assert "▣新参保登记" in text and "□暂停登记" in text
    assert "▣职工基本医疗保险" in text and "▣生育保险" in text and "□补充医疗保险" in text


def test_table_rows_and_dates_are_printed():
    pdf = render_reference_form("表2", values={
        "unit_name": "示例单位",
        "persons": [["1", "张三", "居民身份证", "140402199001011234", "5000.00", "√"]],
    })
    text = pdf_text(pdf)
    assert "张三" in text and "140402199001011234" in text
    text = pdf_text(render_reference_form("表9", values={"fill_date": dt.date(2024, 5, 6)}))
    assert "2024年5月6日" in text


def test_money_is_printed_in_figures_and_capitals():
    text = pdf_text(render_reference_form("表8", values={"account_transfer_amount": Decimal("1234.5")}))
    assert "¥1,234.50" in text
    assert "壹仟贰佰叁拾肆元伍角整" in text


def test_unknown_field_and_option_and_form_are_refused():
    with pytest.raises(ReferenceFormError, match="表1 没有字段 nickname"):
        render_reference_form("表1", values={"nickname": "x"})
    with pytest.raises(ReferenceFormError, match="没有选项 合资"):
        render_reference_form("表1", values={"registration_type": "合资"})
    with pytest.raises(ReferenceFormError, match="只能选一项"):
        render_reference_form("表9", values={"registration_category": ["新增", "变更"]})
    with pytest.raises(ValueError, match="没有参考样表 表15"):
        render_reference_form("表15")


@pytest.mark.parametrize(("amount", "expected"), [
    ("1234.50", "壹仟贰佰叁拾肆元伍角整"),
    ("0.50", "伍角整"),           # under 1 元: starts at the 角 (bank usage)
    ("0.05", "伍分"),
    ("0", "零元整"),
    ("10.00", "壹拾元整"),
    ("1005.07", "壹仟零伍元零柒分"),
    ("100000", "壹拾万元整"),
    ("100005", "壹拾万零伍元整"),
    ("105000", "壹拾万伍仟元整"),
    ("1010.10", "壹仟零壹拾元壹角整"),
    ("20000.35", "贰万元叁角伍分"),
    ("100000000", "壹亿元整"),
    ("100000005", "壹亿零伍元整"),
    ("120003000.01", "壹亿贰仟万叁仟元零壹分"),  # zeros closing a 万 group are not read
    ("120000300", "壹亿贰仟万零叁佰元整"),
    ("3.456", "叁元肆角陆分"),   # rounded half up to the 分
    ("-12", "负壹拾贰元整"),
])
def test_money_in_capitals(amount, expected):
    assert money_in_capitals(Decimal(amount)) == expected


def _broken_copy(tmp_path, old: str, new: str):
    text = FORMS_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "changzhi_forms.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_broken_file_is_refused_naming_form_and_field(tmp_path):
    path = _broken_copy(tmp_path, "{key: withdrawal_reason, label: 支取原因, kind: choice,",
                        "{key: withdrawal_reason, label: 支取原因, kind: choise,")
    with pytest.raises(ReferenceFormError, match=r"表7.*withdrawal_reason（支取原因）"):
        load_reference_forms_from(path)


def test_unknown_key_in_file_is_refused(tmp_path):
    path = _broken_copy(tmp_path, "title: 异地就医登记备案表", "title: 异地就医登记备案表\n  colour: red")
    with pytest.raises(ReferenceFormError, match="表9.*colour"):
        load_reference_forms_from(path)


def test_choice_without_options_is_refused(tmp_path):
    path = _broken_copy(tmp_path, "choices: [新增, 变更]}", "}")
    with pytest.raises(ReferenceFormError, match="表9.*registration_category.*choices"):
        load_reference_forms_from(path)
