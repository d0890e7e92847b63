"""Taiyuan catalog, part 1: items 1–16 (categories 一 to 四) of the 2022 service guide.

The EXPECTED table is transcribed from the seed
(/work/shared/seeds/003_a59732299d25a673.txt), independently of the data file:
key → (name, parent key, time-limit kind, days, number of materials).
Main items whose content is in their sub-items have no time limit (None).
Items 17–29 (categories 五 to 十) live in the same file but are checked elsewhere.
No database is involved.
"""

from collections import Counter

import pytest

from yibao.catalog.files import city_path, read_city_file

I, W = "instant", "working_days"

EXPECTED = {
    # 一、基本医疗保险参保和变更登记
    "unit-enrollment": ("单位参保登记", None, W, 3, 7),
    "employee-enrollment": ("职工参保登记", None, None, None, 0),
    "employee-enrollment-new": ("职工参保登记(新参)", "employee-enrollment", I, None, 10),
    "employee-enrollment-resume": ("职工参保登记(续保)", "employee-enrollment", I, None, 1),
    "employee-enrollment-suspend": ("职工参保登记(停保)", "employee-enrollment", I, None, 4),
    "employee-enrollment-flexible": ("职工参保登记(灵活就业人员参保)", "employee-enrollment", I, None, 1),
    "employee-enrollment-retire": ("职工参保登记(在职转退休)", "employee-enrollment", W, 5, 3),
    "resident-enrollment": ("城乡居民参保登记", None, None, None, 0),
    "resident-enrollment-register": ("城乡居民基本医疗保险参保登记", "resident-enrollment", I, None, 3),
    "resident-enrollment-merge": ("城乡居民参保登记(多号合并)", "resident-enrollment", I, None, 1),
    "resident-enrollment-suspend": ("城乡居民参保登记(停保)", "resident-enrollment", I, None, 3),
    "resident-enrollment-backpay": ("城乡居民参保登记(补缴)", "resident-enrollment", I, None, 5),
    "resident-enrollment-newborn": ("城乡居民参保登记(新生儿参保登记)", "resident-enrollment", I, None, 1),
    "unit-info-change": ("单位参保信息变更登记", None, I, None, 10),
    "employee-info-change": ("职工参保信息变更登记", None, I, None, 2),
    "resident-info-change": ("城乡居民参保信息变更登记", None, I, None, 3),
    "contribution-base-declaration": ("职工医保缴费基数申报", None, I, None, 4),
    # 二、基本医疗保险参保信息查询和个人账户申领
    "unit-info-query": ("参保单位参保信息查询", None, I, None, 1),
    "person-info-query": ("参保人员参保信息查询", None, None, None, 0),
    "person-info-query-employee": ("参保人员参保信息查询(职工)", "person-info-query", I, None, 1),
    "person-info-query-resident": ("参保人员参保信息查询(居民)", "person-info-query", I, None, 1),
    "personal-account-withdrawal": ("参保人员个人账户一次性支取", None, W, 15, 5),
    # 三、基本医疗保险关系转移接续
    "insurance-certificate": ("出具《基本医疗保险参保凭证》", None, None, None, 0),
    "insurance-certificate-employee": (
        "出具《基本医疗保险参保凭证》(参加太原市基本医疗保险的职工)", "insurance-certificate", I, None, 1),
    "insurance-certificate-resident": (
        "出具《基本医疗保险参保凭证》(参加太原市基本医疗保险的居民)", "insurance-certificate", I, None, 1),
    "transfer": ("转移接续手续办理", None, None, None, 0),
    "transfer-out": ("转移接续(转出)手续办理", "transfer", W, 20, 1),
    "transfer-in": ("转移接续(转入)手续办理", "transfer", W, 20, 1),
    # 四、基本医疗保险参保人员异地就医备案
    "remote-resettled-retiree": ("异地安置退休人员备案", None, I, None, 4),
    "remote-long-term-residence": (
        "异地长期居住的退休人员、军队自主择业人员、灵活就业人员备案", None, I, None, 4),
    "remote-stationed": ("常驻异地工作人员备案", None, None, None, 0),
    "remote-stationed-worker": ("常驻异地工作人员备案", "remote-stationed", I, None, 11),
    "remote-long-term-resident": ("异地长期居住人员备案(居民)", "remote-stationed", I, None, 2),
    "remote-referral": ("异地转诊人员备案", None, None, None, 0),
    "remote-referral-transfer": ("异地转诊人员备案", "remote-referral", I, None, 5),
    "remote-emergency-inpatient": ("跨省急诊住院人员备案", "remote-referral", I, None, 0),
    "remote-non-emergency-inpatient": ("跨省非急未转住院人员备案", "remote-referral", I, None, 0),
}

CATEGORY = {
    **{k: 1 for k in list(EXPECTED)[:17]},
    **{k: 2 for k in list(EXPECTED)[17:22]},
    **{k: 3 for k in list(EXPECTED)[22:28]},
    **{k: 4 for k in list(EXPECTED)[28:]},
}

GROUPS = {k for k, row in EXPECTED.items() if row[2] is None}


@pytest.fixture(scope="module")
def items():
    return read_city_file(city_path("taiyuan")).catalog.items


@pytest.fixture(scope="module")
def by_key(items):
    return {item.key: item for item in items}


def test_part1_items_are_exactly_the_expected_ones_in_seed_order(items):
    part1 = [item.key for item in items if item.category <= 4]
    assert part1 == list(EXPECTED)
    # part 2 (categories 五 to 十) is appended after these
    assert [item.key for item in items[: len(EXPECTED)]] == list(EXPECTED)


def test_item_counts():
    assert len(EXPECTED) == 37
    assert len(GROUPS) == 7
    assert sum(1 for row in EXPECTED.values() if row[1] is None) == 16  # Taiyuan items 1–16


@pytest.mark.parametrize("key", list(EXPECTED))
def test_each_item_matches_the_seed(by_key, key):
    name, parent, kind, days, n_materials = EXPECTED[key]
    item = by_key[key]
    assert item.name == name
    assert item.parent == parent
    assert item.category == CATEGORY[key]
    assert len(item.materials) == n_materials
    if kind is None:
        assert item.time_limit is None and not item.steps
        return
    assert item.time_limit.kind.value == kind
    assert item.time_limit.days == days
    assert item.time_limit.text == ("即时办结" if kind == I else f"{days}个工作日")
    assert item.steps[0] == "申请" and item.steps[-1] == "办结"
    assert item.target and item.channels and item.process
    assert item.supervision_phones == ["0351-2377283"]
    assert len(item.evaluation) == 5
    assert item.source


def test_groups_have_sub_items_and_leaves_do_not(items):
    children = Counter(item.parent for item in items if item.parent)
    assert set(children) & set(EXPECTED) == GROUPS
    assert children["employee-enrollment"] == 5
    assert children["resident-enrollment"] == 5
    assert children["person-info-query"] == 2
    assert children["insurance-certificate"] == 2
    assert children["transfer"] == 2
    assert children["remote-stationed"] == 2
    assert children["remote-referral"] == 3


def materials_for(item, unit_type, situation):
    return {
        m.name
        for m in item.materials
        if (not m.conditions.unit_types or unit_type in m.conditions.unit_types)
        and (not m.conditions.situations or situation in m.conditions.situations)
    }


def test_unit_enrollment_has_distinct_materials_per_unit_type(by_key):
    item = by_key["unit-enrollment"]
    assert item.time_limit.days == 3
    assert item.national_item == "002036001001"
    assert item.situations == ["参保登记", "拆分、合并、分立", "注销登记"]
    form = "《基本医疗保险单位参保信息登记表》"
    assert materials_for(item, "企业", "参保登记") == {form, "《营业执照副本》"}
    assert materials_for(item, "机关", "参保登记") == {form, "《统一社会信用代码证书》"}
    assert materials_for(item, "事业", "参保登记") == {form, "《事业单位法人证书》"}
    assert materials_for(item, "企业", "拆分、合并、分立") == {form, "《营业执照副本》", "单位相关文件"}
    assert materials_for(item, "机关", "注销登记") == {form, "编办相关文件或相应辅助材料"}
    assert materials_for(item, "企业", "注销登记") == {form, "《工商注销通知书》"}
    assert next(m for m in item.materials if m.name == form).copies == "2份"
    assert any("欠费状态不能销户" in note for note in item.notes)
    assert item.query.phones == ["0351-2366740"]


def test_new_employee_special_groups_and_proxy(by_key):
    item = by_key["employee-enrollment-new"]
    groups = Counter(g for m in item.materials for g in m.conditions.special_groups)
    assert groups == {"港澳台": 2, "外国人": 1, "出国定居": 2, "复员转业军人": 1}
    proxy = {m.name for m in item.materials if m.conditions.proxy}
    assert proxy == {"委托人及代理人身份证件", "委托人授权委托书"}


def test_newborn_enrollment(by_key):
    item = by_key["resident-enrollment-newborn"]
    assert item.target == "具有太原市户籍的新生儿"
    assert [(m.name, m.copies) for m in item.materials] == [("户口簿", "原件及复印件")]
    assert item.channels[0].text == "户口所在地县区级医保经办机构居民医保科"
    assert item.query is None  # the seed has no 查询方式 for this sub-item


def test_retirement_materials_depend_on_unit_type(by_key):
    item = by_key["employee-enrollment-retire"]
    assert item.time_limit.text == "5个工作日"
    enterprise = [m.name for m in item.materials if "企业" in m.conditions.unit_types]
    assert enterprise == ["《山西省企业退休(职)人员养老保险金计算表》"]


def test_unit_info_change_commitment_and_flowchart_situation(by_key):
    item = by_key["unit-info-change"]
    assert item.situations == ["变更名称", "变更法定代表人", "变更地址"]
    with_commitment = [m for m in item.materials if m.commitment_alternative]
    assert len(with_commitment) == 5
    assert {m.commitment_alternative for m in with_commitment} == {"单位出具的《承诺书》"}
    assert any("变更单位类型或隶属关系" in note for note in item.notes)


def test_account_withdrawal_pays_out(by_key):
    item = by_key["personal-account-withdrawal"]
    assert "拨付" in item.steps
    assert item.national_item == "002036002003"
    assert any("北京知青" in note for note in item.notes)


def test_national_items(by_key):
    assert by_key["contribution-base-declaration"].national_item is None
    assert by_key["employee-info-change"].national_item == "002036001005"
    assert by_key["resident-info-change"].national_item == "002036001006"
    assert by_key["unit-info-query"].national_item == "002036002001"
    assert by_key["remote-resettled-retiree"].national_item == "002036004001"
    assert by_key["remote-long-term-residence"].national_item == "002036004002"
    assert by_key["remote-long-term-resident"].national_item == "002036004002"
    assert by_key["remote-stationed-worker"].national_item == "002036004003"
    assert by_key["remote-referral-transfer"].national_item == "002036004004"
    for key in ("employee-enrollment-new", "employee-enrollment-flexible"):
        assert by_key[key].national_item == "002036001002"
    assert all(by_key[k].national_item == "002036001003" for k in EXPECTED if k.startswith("resident-enrollment"))


def test_remote_filing_online_channels(by_key):
    for key in ("remote-resettled-retiree", "remote-emergency-inpatient", "remote-non-emergency-inpatient"):
        kinds = [c.kind.value for c in by_key[key].channels]
        assert kinds.count("wechat") == 2 and "app" in kinds
    assert by_key["remote-referral-transfer"].channels[0].kind.value == "hospital"
