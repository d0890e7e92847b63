"""Jincheng catalog: the 2023 同城“一体化通办” plan (晋市医保办发〔2023〕8号).

The EXPECTED table is transcribed from the seed
(/work/shared/seeds/000_50404699deb05fa0.txt), independently of the data file:
key → (name, parent key, category, time-limit kind, days, number of materials).
The ten 附件1 rows are the main items; 附件2 sections 一、二、三 split into
sub-sections with their own menu path and time limit, which are sub-items.
No database is involved.
"""

import pytest

from yibao.catalog.files import city_path, read_city_file

I, W = "instant", "working_days"
P1 = "unit-enrollment-change-cancel"
P2 = "employee-enrollment-change-suspend"
P3 = "employee-transfer"

EXPECTED = {
    # 附件1 第1行；附件2 一（一）（二）（三）
    P1: ("单位参保登记、变更和注销", None, 1, I, None, 7),
    "unit-enrollment": ("单位参保登记", P1, 1, I, None, 3),
    "unit-cancellation": ("单位注销", P1, 1, I, None, 2),
    "unit-info-change": ("单位参保信息变更登记", P1, 1, I, None, 2),
    # 附件1 第2行；附件2 二（一）（二）（三）
    P2: ("职工（含灵活就业）参保登记、变更和暂停", None, 1, I, None, 2),
    "flexible-enrollment": ("灵活就业参保登记", P2, 1, I, None, 2),
    "employee-info-change": ("职工参保信息变更登记", P2, 1, I, None, 3),
    "insurance-certificate-out": ("出具参保凭证——转出", P2, 1, I, None, 1),
    # 附件1 第3行 (即时受理 限时办结)；附件2 三（一）15个工作日（二）5个工作日
    P3: ("职工医保关系转移接续", None, 3, None, None, 3),
    "transfer-out": ("转移接续手续办理——转出", P3, 3, W, 15, 1),
    "transfer-in": ("转移接续手续办理——转入", P3, 3, W, 5, 2),
    # 附件1 第4–10行；附件2 四–十
    "remote-filing": ("参保人员(职工、居民)异地就医自助备案", None, 4, I, None, 1),
    "inpatient-reimbursement": ("基本医疗保险参保人员住院医疗费用手工报销", None, 6, W, 20, 6),
    "chronic-special-drug-reimbursement": ("基本医疗保险参保人员慢性病、特药医疗费报销", None, 6, W, 20, 8),
    "accident-injury-determination": ("参保人员意外伤害费用纳入医保支付范围认定", None, 5, W, 20, 1),
    "special-drug-institution-query": ("特药定点医院机构和责任医师查询", None, 5, I, None, 0),
    "unit-payment-record-query": ("参保单位医疗、生育保险缴费记录查询及打印", None, 2, I, None, 1),
    "person-payment-record-query": ("参保人员医疗、生育保险缴费记录查询及打印", None, 2, I, None, 1),
}

SEPTEMBER = {"inpatient-reimbursement", "chronic-special-drug-reimbursement"}


@pytest.fixture(scope="module")
def catalog():
    return read_city_file(city_path("jincheng")).catalog


@pytest.fixture(scope="module")
def by_key(catalog):
    return {item.key: item for item in catalog.items}


def test_header(catalog):
    assert catalog.city == "jincheng"
    assert catalog.name == "晋城市"
    assert catalog.region_code == "140500"
    assert catalog.source.doc_no == "晋市医保办发〔2023〕8号"
    assert catalog.source.issued == "2023-03-31"
    assert catalog.source.seed_file == "000_50404699deb05fa0.txt"


def test_items_are_exactly_the_expected_ones_in_seed_order(catalog):
    assert [item.key for item in catalog.items] == list(EXPECTED)
    assert len(catalog.items) == 18
    assert sum(1 for item in catalog.items if item.parent is None) == 10


@pytest.mark.parametrize("key", list(EXPECTED))
def test_each_item_matches_the_seed(by_key, key):
    name, parent, category, kind, days, n_materials = EXPECTED[key]
    item = by_key[key]
    assert item.name == name
    assert item.parent == parent
    assert item.category == category
    assert len(item.materials) == n_materials
    assert item.code is None  # the Jincheng plan gives no item codes
    assert item.steps[0] == "申请" and item.steps[-1] == "办结"
    assert item.process and item.channels and item.source
    if kind is None:
        assert item.time_limit is None
    else:
        assert item.time_limit.kind.value == kind
        assert item.time_limit.days == days
        if kind == I:
            assert item.time_limit.text == "即时办结"
        else:
            assert item.time_limit.text.startswith("即时受理 限时办结")
            assert f"{days}个工作日" in item.time_limit.text


@pytest.mark.parametrize("key", list(EXPECTED))
def test_every_item_is_tongban_in_the_whole_city(by_key, key):
    tongban = by_key[key].tongban
    assert tongban.scope == "全市"
    assert tongban.completion == ("2023年9月" if key in SEPTEMBER else "2023年4月")
    assert tongban.retention.startswith("经办机构受理资料留存至受理经办机构")
    if key in SEPTEMBER:
        assert "线上和驿站受理资料留存至参保人员所属经办机构" in tongban.retention


def test_leaves_have_an_operation_guide(catalog):
    parents = {item.parent for item in catalog.items if item.parent}
    for item in catalog.items:
        if item.key in parents:
            continue
        guide = item.operation_guide
        assert guide is not None and guide.applicant and guide.text and guide.time_limit_text, item.key


def test_flexible_enrollment_codes(by_key):
    guide = by_key["flexible-enrollment"].operation_guide
    assert guide.codes == {
        "险种310": "职工账户",
        "险种390": "居民账户",
        "参保状态1": "参保",
        "参保状态2": "停保",
        "灵活就业税务单位编号": "46065",
    }
    assert "单位信息（税务单位编号输入灵活就业编号46065）" in guide.menu_path
    assert guide.menu_path[0] == "业务基础参保征缴"
    assert guide.menu_path.count("保存") == 2
    assert "310为职工账户，390为居民账户" in guide.text


def test_reimbursement_guides(by_key):
    for key in SEPTEMBER:
        guide = by_key[key].operation_guide
        assert guide.menu_path[:3] == ["个人待遇管理", "个人待遇结算管理", "零星报销登记"]
        assert guide.menu_path[-1] == "保存完成报销登记"
        assert len(guide.menu_path) == 15
        for field in ("医疗类别", "就医开始日期", "就医结束日期", "报销原因", "费用总额",
                      "附件张数", "拨付对象", "银行账户信息"):
            assert field in guide.fields
        assert {c.kind.value for c in by_key[key].channels} == {"window", "online_hall", "post_station"}
        assert by_key[key].steps == ["申请", "受理", "审核", "拨付", "办结"]


def test_referral_form_deduction_is_kept(by_key):
    item = by_key["inpatient-reimbursement"]
    form = next(m for m in item.materials if m.name == "《转诊转院审批表》")
    assert form.optional
    assert form.note == "未办理者报销比例扣减15%或20%"
    assert any("15%或20%" in note for note in item.notes)
    residence = next(m for m in item.materials if m.name == "长期居住证明")
    assert residence.conditions.situations == ["异地长期居住"]


def test_table_materials_verbatim(by_key):
    names = [m.name for m in by_key[P1].materials]
    assert names == [
        "《统一社会信用代码证书》",
        "单位批准成立的文件",
        "《基本医疗保险单位参保信息登记表》（加盖单位公章）",
        "《基本医疗保险单位信息变更登记表》（加盖单位公章）",
        "变更统一社会信用代码证、法定代表人等关键信息需提供的对应辅助材料",
        "《基本医疗保险单位参保登记表》（含注销登记）",
        "注销对应辅助材料",
    ]
    assert by_key[P1].situations == ["参保登记", "变更登记", "注销登记"]
    assert [m.name for m in by_key["inpatient-reimbursement"].materials][:4] == [
        "医院收费票据", "住院费用汇总清单", "住院病历(复印件)", "社保卡(复印件)"]
    assert [m.name for m in by_key[P3].materials] == [
        "医保电子凭证或有效身份证件或社保卡",
        "《基本医疗保险参保凭证》(含电子《参保凭证》)",
        "《基本医疗保险关系转移接续申请表》",
    ]


def test_accident_injury(by_key):
    item = by_key["accident-injury-determination"]
    (material,) = item.materials
    assert material.commitment_alternative == "《意外伤害符合医保支付政策承诺书》"
    assert item.steps == ["申请", "受理", "调查", "认定", "办结"]
    assert {c.kind.value for c in item.channels} == {"hospital", "window"}


def test_transfer_time_limits(by_key):
    assert "即时受理 限时办结" in " ".join(by_key[P3].notes)
    assert by_key["transfer-out"].operation_guide.time_limit_text == "15个工作日"
    assert by_key["transfer-in"].operation_guide.time_limit_text.startswith(
        "5个工作日内发出《基本医疗保险关系转移接续联系函》")


def test_national_items(by_key):
    assert by_key["unit-enrollment"].national_item == "002036001001"
    assert by_key["unit-info-change"].national_item == "002036001004"
    assert by_key["flexible-enrollment"].national_item == "002036001002"
    assert by_key["employee-info-change"].national_item == "002036001005"
    assert by_key["transfer-out"].national_item == "00203600300Y"
    assert by_key["unit-payment-record-query"].national_item == "002036002001"
    assert by_key["person-payment-record-query"].national_item == "002036002002"
    assert by_key["remote-filing"].national_item is None  # covers several national sub-items


def test_no_materials_for_the_special_drug_query(by_key):
    item = by_key["special-drug-institution-query"]
    assert item.materials == []
    assert "无需提供受理资料" in item.notes
    assert item.operation_guide.menu_path == ["“晋城医保”公众号", "在线服务", "服务大厅", "特药查询"]
