"""Taiyuan catalog, part 2: items 17–29 (categories 五 to 十) of the 2022 service guide.

The EXPECTED table is transcribed from the seed
(/work/shared/seeds/003_a59732299d25a673.txt, body from "五、基本医疗保险参保人员
医疗待遇核定" to the end), independently of the data file:
key → (name, parent key, time-limit kind, days, number of materials).
Main items whose content is in their sub-items have no time limit (None).
The body has two sub-items the table of contents does not list (22.(3) 生育医疗费
支付(居民异地) and 27.(2) 基本医疗保险定点医疗机构服务开通); they are included.
Items 1–16 (categories 一 to 四) are checked in test_taiyuan_data_part1.py.
No database is involved.
"""

from collections import Counter

import pytest

from yibao.catalog.files import city_path, read_city_file

I, W, N = "instant", "working_days", "natural_days"

EXPECTED = {
    # 五、基本医疗保险参保人员医疗待遇核定
    "chronic-disease": ("基本医疗保险参保人员享受门诊慢特病病种待遇核定", None, None, None, 0),
    "chronic-disease-benefit": ("基本医疗保险参保人员享受门诊慢特病病种待遇核定", "chronic-disease", W, 20, 4),
    "two-diseases": ('城乡居民"两病"(高血压、糖尿病)待遇核定', "chronic-disease", I, None, 2),
    "minor-major-diseases": ("未成年人六种重大疾病待遇核定", "chronic-disease", I, None, 2),
    "special-drug": ("基本医疗保险参保人员享受门诊特药待遇核定", None, I, None, 3),
    # 六、基本医疗保险参保人员医疗费用手工(零星)报销
    "outpatient-reimbursement": ("门诊费用报销", None, None, None, 0),
    "outpatient-reimbursement-employee": ("门诊费用报销(职工)", "outpatient-reimbursement", W, 30, 6),
    "outpatient-reimbursement-resident": ("门诊费用报销(居民)", "outpatient-reimbursement", W, 30, 5),
    "minor-outpatient-accident": ("未成年人门诊意外伤害报销", "outpatient-reimbursement", W, 10, 11),
    "inpatient-reimbursement": ("住院费用报销", None, None, None, 0),
    "inpatient-reimbursement-employee": ("住院费用报销(职工)", "inpatient-reimbursement", W, 30, 8),
    "inpatient-reimbursement-resident": ("住院费用报销(居民)", "inpatient-reimbursement", W, 30, 8),
    "inpatient-reimbursement-arrears": (
        "住院(门诊)费用报销(单位补缴欠费后报销)", "inpatient-reimbursement", W, 30, 7),
    # 七、生育保险待遇核准支付
    "prenatal-check": ("产前检查费支付", None, W, 20, 0),
    "maternity-medical": ("生育医疗费支付", None, None, None, 0),
    "maternity-medical-arrears": ("生育医疗费报销(单位补缴欠费后报销)", "maternity-medical", W, 20, 9),
    "maternity-medical-employee-remote": ("生育医疗费报销(职工异地)", "maternity-medical", W, 20, 8),
    "maternity-medical-resident-remote": ("生育医疗费支付(居民异地)", "maternity-medical", W, 30, 6),
    "family-planning": ("计划生育医疗费支付", None, None, None, 0),
    "family-planning-arrears": ("计划生育医疗费支付(单位补缴欠费后报销)", "family-planning", W, 20, 2),
    "family-planning-outpatient-remote": ("计划生育医疗费支付(门诊、异地)", "family-planning", W, 20, 4),
    "maternity-allowance": ("生育津贴支付", None, W, 20, 0),
    # 八、医疗救助对象待遇核准
    "aid-contribution-subsidy": (
        "符合资助条件的救助对象参加城乡居民基本医疗保险个人缴费补贴", None, W, 15, 2),
    "aid-reimbursement": ("医疗救助对象手工(零星)报销", None, W, 30, 6),
    # 九、医药机构申报定点协议管理
    "hospital-designation": ("医疗机构申报定点协议管理", None, None, None, 0),
    "hospital-designation-apply": ("医疗机构申报定点协议管理", "hospital-designation", N, 30, 8),
    "hospital-service-opening": ("基本医疗保险定点医疗机构服务开通", "hospital-designation", N, 30, 2),
    "pharmacy-designation": ("零售药店申报定点协议管理", None, None, None, 0),
    "pharmacy-designation-apply": ("零售药店申报定点协议管理", "pharmacy-designation", N, 30, 10),
    "pharmacy-service-opening": (
        "基本医疗保险定点零售药店基本医疗保险服务开通", "pharmacy-designation", N, 30, 2),
    "institution-info-change": ("基本医疗保险定点医药机构办理信息变更", "pharmacy-designation", W, 10, 14),
    # 十、定点医药机构费用结算
    "institution-settlement": ("对定点医药机构进行结算(月度结算)", None, W, 30, 0),
}

CATEGORY = {
    **{k: 5 for k in list(EXPECTED)[:5]},
    **{k: 6 for k in list(EXPECTED)[5:13]},
    **{k: 7 for k in list(EXPECTED)[13:22]},
    **{k: 8 for k in list(EXPECTED)[22:24]},
    **{k: 9 for k in list(EXPECTED)[24:31]},
    **{k: 10 for k in list(EXPECTED)[31:]},
}

GROUPS = {k for k, row in EXPECTED.items() if row[2] is None}

# Items whose time-limit text is not simply "即时办结" / "N个工作日".
SPECIAL_LIMIT_TEXT = {
    "chronic-disease-benefit",
    "special-drug",
    "hospital-designation-apply",
    "hospital-service-opening",
    "pharmacy-designation-apply",
    "pharmacy-service-opening",
}

WEB_HALL = "http://ybj.shanxi.gov.cn/ybfw/hallEnter/#/Index"
TAIYUAN_SUBSYSTEM = "http://wt.ybzx.taiyuan.gov.cn/"


@pytest.fixture(scope="module")
def items():
    return read_city_file(city_path("taiyuan")).catalog.items


@pytest.fixture(scope="module")
def by_key(items):
    return {item.key: item for item in items}


def names(materials):
    return {m.name for m in materials}


def applicable(item, situation):
    return {m.name for m in item.materials if not m.conditions.situations or situation in m.conditions.situations}


def test_part2_items_are_exactly_the_expected_ones_in_seed_order(items):
    part2 = [item.key for item in items if item.category >= 5]
    assert part2 == list(EXPECTED)
    # appended after part 1 (categories 一 to 四)
    assert [item.key for item in items[-len(EXPECTED):]] == list(EXPECTED)


def test_item_counts():
    assert len(EXPECTED) == 32
    assert len(GROUPS) == 7
    assert sum(1 for row in EXPECTED.values() if row[1] is None) == 13  # Taiyuan items 17–29
    assert Counter(CATEGORY.values()) == {5: 5, 6: 8, 7: 9, 8: 2, 9: 7, 10: 1}


@pytest.mark.parametrize("key", list(EXPECTED))
def test_each_item_matches_the_seed(by_key, key):
    name, parent, kind, days, n_materials = EXPECTED[key]
    item = by_key[key]
    assert item.name == name
    assert item.parent == parent
    assert item.category == CATEGORY[key]
    assert item.code is None  # the Taiyuan guide has no item codes
    assert len(item.materials) == n_materials
    assert item.source
    if kind is None:
        assert item.time_limit is None and not item.steps
        return
    assert item.time_limit.kind.value == kind
    assert item.time_limit.days == days
    if key not in SPECIAL_LIMIT_TEXT:
        assert item.time_limit.text == ("即时办结" if kind == I else f"{days}个工作日")
    assert item.steps[0] == "申请" and item.steps[-1] == "办结"
    assert item.target and item.channels and item.process
    assert item.supervision_phones == ["0351-2377283"]
    assert len(item.evaluation) in (4, 5)
    assert item.evaluation[0].startswith("对符合规定的经办事项受理过程中")


def test_groups_have_sub_items_and_leaves_do_not(items):
    children = Counter(item.parent for item in items if item.parent)
    assert set(children) & set(EXPECTED) == GROUPS
    assert children["chronic-disease"] == 3
    assert children["outpatient-reimbursement"] == 3
    assert children["inpatient-reimbursement"] == 3
    assert children["maternity-medical"] == 3
    assert children["family-planning"] == 2
    assert children["hospital-designation"] == 2
    assert children["pharmacy-designation"] == 3


def test_payments_include_disbursement(by_key):
    paying = [k for k in EXPECTED if CATEGORY[k] in (6, 7, 8, 10) and k not in GROUPS]
    assert len(paying) == 16
    for key in paying:
        assert by_key[key].steps == ["申请", "受理", "审核", "拨付", "办结"], key
    for key in ("chronic-disease-benefit", "two-diseases", "minor-major-diseases", "special-drug"):
        assert "拨付" not in by_key[key].steps


def test_chronic_disease_time_limit_and_review(by_key):
    item = by_key["chronic-disease-benefit"]
    assert "20个工作日办结" in item.time_limit.text and "即时办结" in item.time_limit.text
    assert "复审" in item.steps
    assert [c.kind.value for c in item.channels] == ["hospital"]
    assert item.query.phones == ["0351-2366743"]
    assert any("A30号窗口" in w for w in item.query.windows)


def test_special_drug_and_taiyuan_evaluation_channel(by_key):
    item = by_key["special-drug"]
    assert item.time_limit.text == "随时申报、即时受理、即时办结"
    assert "《太原市基本医疗保险大额门诊特殊药品使用申请表》" in names(item.materials)
    for key in ("chronic-disease-benefit", "special-drug"):
        assert any(TAIYUAN_SUBSYSTEM in line for line in by_key[key].evaluation)
        assert not any(WEB_HALL in line for line in by_key[key].evaluation)


def test_two_diseases_and_minor_diseases(by_key):
    item = by_key["two-diseases"]
    assert [c.kind.value for c in item.channels] == ["window", "hospital"]
    assert names(item.materials) == {"《诊疗手册》", "二级及以上定点医疗机构医师出具的疾病诊断建议书"}
    minor = by_key["minor-major-diseases"]
    assert [c.kind.value for c in minor.channels] == ["hospital", "hospital"]
    assert minor.query is None  # the seed has no 查询方式 for this sub-item
    assert "山西省心血管病医院" in minor.channels[0].text and "山西省肿瘤医院" in minor.channels[1].text


def test_outpatient_reimbursement_optional_materials(by_key):
    item = by_key["outpatient-reimbursement-employee"]
    assert item.situations == ["死亡", "急诊抢救未记入住院费用"]
    death = [m for m in item.materials if m.conditions.situations == ["死亡"]]
    assert len(death) == 1 and "火化证" in death[0].name and "原文" in death[0].note
    assert [m.name for m in item.materials if m.optional] == ["门诊(急诊抢救)病历"]
    assert item.query.phones == ["0351-2366791", "0351-2366742"]
    assert len(item.evaluation) == 4  # the seed gives no 线下 evaluation here
    resident = by_key["outpatient-reimbursement-resident"]
    assert "出院证或出院结算票据" not in names(resident.materials)


def test_minor_accident_materials(by_key):
    item = by_key["minor-outpatient-accident"]
    assert item.time_limit.text == "10个工作日"
    conditional = [m.name for m in item.materials if m.conditions.situations]
    assert conditional == ["目击者证明或相关单位、人员无责任的鉴定与证明材料"]
    assert "《太原市城乡居民基本医疗保险意外伤害调查认定审批表》" in names(item.materials)


def test_inpatient_arrears_proxy_bank_card(by_key):
    item = by_key["inpatient-reimbursement-arrears"]
    proxy = {m.name for m in item.materials if m.conditions.proxy}
    assert proxy == {"代办人身份证", "代办人银行卡"}
    assert applicable(item, "住院") >= {"出院收费票据", "出院证"}
    assert "门诊收费票据(含费用明细)" not in applicable(item, "住院")
    assert by_key["inpatient-reimbursement-employee"].situations == ["转外就医", "死亡"]


def test_maternity_allowance_and_prenatal_check(by_key):
    for key, code in (("maternity-allowance", "002036007004"), ("prenatal-check", "002036007001")):
        item = by_key[key]
        assert item.time_limit.kind.value == "working_days"
        assert item.time_limit.days == 20 and item.time_limit.text == "20个工作日"
        assert item.materials == []  # the seed lists no 申办材料
        assert any("无“申办材料”" in note for note in item.notes)
        assert item.national_item == code
        assert item.target == "太原市城镇职工基本医疗保险参保人员"


def test_maternity_medical_materials_depend_on_situation(by_key):
    item = by_key["maternity-medical-arrears"]
    assert len(item.situations) == 5
    assert applicable(item, "自然分娩、难产分娩、剖宫产分娩") == {"医院收费票据", "出生证", "出院证"}
    assert applicable(item, "参保男职工未就业配偶") == {
        "医院收费票据", "出生证", "出院证", "结婚证", "《太原市城镇职工生育保险个人承诺书》"}
    assert applicable(item, "因工作调动劳动关系转移") == {"原参保地参保证明"}
    assert all(m.conditions.applicant_kinds == ["unit"] for m in item.materials)
    remote = by_key["maternity-medical-employee-remote"]
    assert "原参保地参保证明" not in names(remote.materials)
    assert by_key["maternity-medical-resident-remote"].time_limit.days == 30


def test_family_planning_outpatient_and_remote(by_key):
    item = by_key["family-planning-outpatient-remote"]
    assert applicable(item, "门诊") == {"医院收费票据", "门诊病历"}
    assert applicable(item, "异地") == {"医院收费票据", "出院证", "住院病历"}


def test_medical_aid_items(by_key):
    subsidy = by_key["aid-contribution-subsidy"]
    assert subsidy.time_limit.text == "15个工作日"
    assert subsidy.query.windows == ["参保地县级医疗保障部门"]
    item = by_key["aid-reimbursement"]
    with_commitment = [m for m in item.materials if m.commitment_alternative]
    assert [(m.name, m.commitment_alternative) for m in with_commitment] == [
        ("相关证明材料", "《医疗救助个人承诺书》")]
    for key in ("aid-contribution-subsidy", "aid-reimbursement"):
        assert "互联网评价" not in by_key[key].evaluation[0]
        assert len(by_key[key].evaluation) == 5


def test_designation_items_are_for_institutions(by_key):
    keys = [k for k in EXPECTED if CATEGORY[k] == 9 and k not in GROUPS]
    assert len(keys) == 5
    for key in keys:
        item = by_key[key]
        assert item.materials
        assert all(m.conditions.applicant_kinds == ["institution"] for m in item.materials), key
        assert item.steps == ["申请", "受理", "审核", "办结"]
    for key in ("hospital-designation-apply", "pharmacy-designation-apply"):
        item = by_key[key]
        assert "不超过1个月" in item.time_limit.text
        assert any("公示" in note and "协议" in note for note in item.notes)
        assert item.channels[0].text == "太原市为民服务中心三层C区市医保中心C315室"


def test_institution_info_change_situations(by_key):
    item = by_key["institution-info-change"]
    assert item.situations == ["变更法定代表人", "变更名称", "变更地址", "新增科室", "新增项目", "新增床位"]
    common = {"书面申请材料", "《太原市基本医疗保险定点医药机构变更申报表》"}
    assert applicable(item, "新增床位") == common | {"医疗机构许可证正副本", "已签订的协议"}
    assert "变更前后法定代表人身份证" in applicable(item, "变更法定代表人")
    assert "变更后的地址平面图" in applicable(item, "变更地址")
    assert "银行开户许可证" not in applicable(item, "变更地址")
    form = next(m for m in item.materials if m.name == "《太原市基本医疗保险定点医药机构变更申报表》")
    assert form.copies == "一式三份"


def test_settlement(by_key):
    item = by_key["institution-settlement"]
    assert item.time_limit.text == "30个工作日"
    assert item.materials == []
    assert any("根据定点医药机构与经办机构签订的协议执行" in note for note in item.notes)


def test_national_items(by_key):
    assert by_key["chronic-disease-benefit"].national_item == "00203600500Y"
    for key in ("maternity-medical-arrears", "maternity-medical-employee-remote", "maternity-medical-resident-remote"):
        assert by_key[key].national_item == "002036007002"
    for key in ("family-planning-arrears", "family-planning-outpatient-remote"):
        assert by_key[key].national_item == "002036007003"
    assert by_key["aid-contribution-subsidy"].national_item == "002036008001"
    assert by_key["aid-reimbursement"].national_item == "002036008002"
    assert by_key["hospital-designation-apply"].national_item == "002036009001"
    assert by_key["pharmacy-designation-apply"].national_item == "00203600900Y"
    # no clear single national sub-item (00203600600Y covers several Changzhi rows;
    # 29. covers both 010001 and 010002)
    for key in ("special-drug", "two-diseases", "minor-major-diseases", "outpatient-reimbursement-employee",
                "inpatient-reimbursement-employee", "hospital-service-opening", "institution-info-change",
                "institution-settlement"):
        assert by_key[key].national_item is None, key
