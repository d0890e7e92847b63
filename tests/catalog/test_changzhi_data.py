"""Changzhi catalog: the 2024 service item list (长医保发〔2024〕9号).

The tables below are transcribed from the seed
(/work/shared/seeds/004_f4e09949e3ab11aa.txt), independently of the data file.
SEED_ROWS: the 29 numbered sub-item rows of 附件1 → (key, the code shown in the row's
子项编码 column). EXPECTED: key → (name, code, parent, category, time-limit kind,
days, number of materials); two main-item entries carry the main-item codes the
seed gives for several rows (00203600100Y, 00203600600Y). No database is involved.
"""

import pytest

from yibao.catalog.files import city_path, read_city_file, read_national_file

I, W, N = "instant", "working_days", "natural_days"
P1 = "enrollment-and-change"
P6 = "medical-expense-reimbursement"

SEED_ROWS = {
    1: ("unit-enrollment", "002036001001"),
    2: ("employee-enrollment", "002036001002"),
    3: ("resident-enrollment", "002036001003"),
    4: ("unit-info-change", "002036001004"),
    5: ("employee-info-change", "002036001005"),
    6: ("resident-info-change", "002036001006"),
    7: ("unit-info-query", "002036002001"),
    8: ("person-info-query", "002036002002"),
    9: ("personal-account-withdrawal", "002036002003"),
    10: ("transfer", "00203600300Y"),
    11: ("remote-resettled-retiree", "002036004001"),
    12: ("remote-long-term-residence", "002036004002"),
    13: ("remote-stationed-worker", "002036004003"),
    14: ("remote-referral", "002036004004"),
    15: ("remote-temporary", "002036004005"),
    16: ("chronic-disease", "00203600500Y"),
    17: ("special-drug", "00203600600Y"),
    18: ("outpatient-reimbursement", "00203600600Y"),
    19: ("inpatient-reimbursement", "00203600600Y"),
    20: ("prenatal-check", "002036007001"),
    21: ("maternity-medical", "002036007002"),
    22: ("family-planning", "002036007003"),
    23: ("maternity-allowance", "002036007004"),
    24: ("aid-contribution-subsidy", "002036008001"),
    25: ("aid-reimbursement", "002036008002"),
    26: ("hospital-designation", "002036009001"),
    27: ("pharmacy-designation", "00203600900Y"),
    28: ("hospital-settlement", "002036010001"),
    29: ("pharmacy-settlement", "002036010002"),
}
SHARED_MAIN_CODE = "00203600600Y"  # rows 17–19: carried by the main-item entry

EXPECTED = {
    # 一、基本医疗保险参保和变更登记 (主项编码 00203600100Y)
    P1: ("基本医疗保险参保和变更登记", "00203600100Y", None, 1, None, None, 0),
    "unit-enrollment": ("单位参保登记", "002036001001", P1, 1, W, 5, 9),
    "employee-enrollment": ("职工参保登记", "002036001002", P1, 1, W, 5, 14),
    "resident-enrollment": ("城乡居民参保登记", "002036001003", P1, 1, I, None, 2),
    "unit-info-change": ("单位参保信息变更登记", "002036001004", P1, 1, I, None, 5),
    "employee-info-change": ("职工参保信息变更登记", "002036001005", P1, 1, I, None, 3),
    "resident-info-change": ("城乡居民参保信息变更登记", "002036001006", P1, 1, I, None, 2),
    # 二、参保信息查询和个人账户申领
    "unit-info-query": ("参保单位参保信息查询", "002036002001", None, 2, I, None, 1),
    "person-info-query": ("参保人员参保信息查询", "002036002002", None, 2, I, None, 1),
    "personal-account-withdrawal": ("参保人员个人账户一次性支取", "002036002003", None, 2, W, 15, 6),
    # 三、关系转移接续
    "transfer": ("转移接续手续办理", "00203600300Y", None, 3, W, 15, 2),
    # 四、异地就医备案
    "remote-resettled-retiree": ("异地安置退休人员备案", "002036004001", None, 4, I, None, 3),
    "remote-long-term-residence": ("异地长期居住人员备案", "002036004002", None, 4, I, None, 3),
    "remote-stationed-worker": ("常驻异地工作人员备案", "002036004003", None, 4, I, None, 3),
    "remote-referral": ("异地转诊人员备案", "002036004004", None, 4, I, None, 2),
    "remote-temporary": ("其他临时外出就医人员备案", "002036004005", None, 4, I, None, 2),
    # 五、医疗待遇核定
    "chronic-disease": ("基本医疗保险参保人享受门诊慢特病病种待遇核定", "00203600500Y", None, 5, W, 20, 3),
    "special-drug": ("基本医疗保险参保人享受门诊特药待遇核定", None, None, 5, I, None, 4),
    # 六、医疗费报销
    P6: ("基本医疗保险参保人医疗费报销", "00203600600Y", None, 6, None, None, 0),
    "outpatient-reimbursement": ("门诊费用报销", None, P6, 6, W, 30, 11),
    "inpatient-reimbursement": ("住院费用报销", None, P6, 6, W, 30, 4),
    # 七、生育保险待遇核准支付
    "prenatal-check": ("产前检查费支付", "002036007001", None, 7, W, 20, 4),
    "maternity-medical": ("生育医疗费支付", "002036007002", None, 7, W, 20, 4),
    "family-planning": ("计划生育医疗费支付", "002036007003", None, 7, W, 20, 4),
    "maternity-allowance": ("生育津贴支付", "002036007004", None, 7, W, 10, 3),
    # 八、医疗救助对象待遇核准支付
    "aid-contribution-subsidy": ("符合资助条件的对象参加城乡居民基本医疗个人缴费补贴", "002036008001", None, 8, W, 15, 2),
    "aid-reimbursement": ("医疗救助对象(零星)报销", "002036008002", None, 8, W, 30, 5),
    # 九、医药机构申报定点协议管理
    "hospital-designation": ("医疗机构申报定点协议管理", "002036009001", None, 9, N, 90, 8),
    "pharmacy-designation": ("零售药店申报定点协议管理", "00203600900Y", None, 9, N, 90, 10),
    # 十、定点医药机构费用结算
    "hospital-settlement": ("基本医疗保险定点医疗机构费用结算", "002036010001", None, 10, W, 30, 0),
    "pharmacy-settlement": ("基本医疗保险定点零售药店费用结算", "002036010002", None, 10, W, 30, 0),
}

STEPS = {
    "unit-info-query": ["申请", "受理", "办结"],
    "person-info-query": ["申请", "受理", "办结"],
    "special-drug": ["申请", "受理", "审核", "复审", "办结"],
}
PAY = ["申请", "受理", "审核", "拨付", "办结"]
PAY_KEYS = {"personal-account-withdrawal", "outpatient-reimbursement", "inpatient-reimbursement",
            "prenatal-check", "maternity-medical", "family-planning", "maternity-allowance",
            "aid-contribution-subsidy", "aid-reimbursement", "hospital-settlement", "pharmacy-settlement"}


@pytest.fixture(scope="module")
def catalog():
    return read_city_file(city_path("changzhi")).catalog


@pytest.fixture(scope="module")
def by_key(catalog):
    return {item.key: item for item in catalog.items}


def test_header(catalog):
    assert catalog.city == "changzhi"
    assert catalog.name == "长治市"
    assert catalog.region_code == "140400"
    assert catalog.source.doc_no == "长医保发〔2024〕9号"
    assert catalog.source.seed_file == "004_f4e09949e3ab11aa.txt"


def test_items_are_exactly_the_expected_ones_in_seed_order(catalog):
    assert [item.key for item in catalog.items] == list(EXPECTED)
    assert len(catalog.items) == 31  # 29 sub-items + 2 main-item entries
    assert len(SEED_ROWS) == 29


def test_all_29_seed_rows_present_with_their_codes(by_key):
    for number, (key, code) in SEED_ROWS.items():
        item = by_key[key]
        assert item.source == f"附件1 子项{number}"
        if code == SHARED_MAIN_CODE:
            assert item.code is None
            assert item.key == "special-drug" or item.parent == P6
        else:
            assert item.code == code
            assert item.national_item == code
    assert by_key[P6].code == SHARED_MAIN_CODE


def test_codes_unique(catalog):
    codes = [item.code for item in catalog.items if item.code]
    assert len(codes) == len(set(codes)) == 28
    assert all(code.startswith("002036") for code in codes)


@pytest.mark.parametrize("key", list(EXPECTED))
def test_each_item_matches_the_seed(by_key, key):
    name, code, parent, category, kind, days, n_materials = EXPECTED[key]
    item = by_key[key]
    assert item.name == name
    assert item.code == code
    assert item.parent == parent
    assert item.category == category
    assert len(item.materials) == n_materials
    if kind is None:
        assert item.time_limit is None and not item.steps
        return
    assert item.time_limit.kind.value == kind
    assert item.time_limit.days == days
    if kind == I:
        assert item.time_limit.text == "即时办结"
    elif kind == N:
        assert item.time_limit.text == f"不超过{days}个自然日"
    elif key == "employee-enrollment":
        assert item.time_limit.text == "在职工不超过5个工作日"
    else:
        assert item.time_limit.text == f"不超过{days}个工作日"
    expected_steps = STEPS.get(key) or (PAY if key in PAY_KEYS else ["申请", "受理", "审核", "办结"])
    assert item.steps == expected_steps
    assert item.legal_basis, key


def test_national_yaml_lists_every_code_of_the_seed(by_key):
    national = {entry["code"]: entry["name"] for entry in read_national_file().items}
    assert set(national) == {code for _, code in SEED_ROWS.values()}
    assert len(national) == 27
    for key, code in SEED_ROWS.values():
        if code != SHARED_MAIN_CODE:
            assert national[code] == by_key[key].name
    assert national[SHARED_MAIN_CODE] == by_key[P6].name


def test_reference_forms(catalog):
    used = set()
    for item in catalog.items:
        used.update(item.forms)
        for material in item.materials:
            if material.form:
                assert material.form in item.forms, (item.key, material.name)
    assert used == {f"表{n}" for n in range(1, 15)}


def test_forms_on_the_items_that_use_them(by_key):
    assert by_key["unit-enrollment"].forms == ["表1"]
    assert by_key["employee-enrollment"].forms == ["表2", "表12"]
    assert by_key["personal-account-withdrawal"].forms == ["表7", "表12"]
    assert by_key["transfer"].forms == ["表8"]
    assert by_key["chronic-disease"].forms == ["表10"]
    assert by_key["aid-reimbursement"].forms == ["表11"]
    assert by_key["hospital-designation"].forms == ["表13"]
    assert by_key["pharmacy-designation"].forms == ["表14"]


def test_personal_account_withdrawal_note_moved_from_row_8(by_key):
    item = by_key["personal-account-withdrawal"]
    assert item.situations == ["死亡", "主动放弃"]
    proof = next(m for m in item.materials if m.name == "死亡证明或火化证")
    assert proof.commitment_alternative == "个人承诺书"
    assert proof.conditions.situations == ["死亡"]
    assert "2.主动放弃参加职工基本医疗保险的，继承人需提供主动放弃基本医保关系的情况说明。" in item.notes
    assert item.legal_basis[0] == "1.《中华人民共和国社会保险法》（主席令第35号）第十四条；"
    assert not any("继承人" in note for note in by_key["person-info-query"].notes if not note.startswith("注"))


def test_employee_enrollment_special_groups_and_proxy(by_key):
    item = by_key["employee-enrollment"]
    groups = {g.value for m in item.materials for g in m.conditions.special_groups}
    assert groups == {"港澳台", "外国人", "出国定居", "复员转业军人"}
    proxy = [m.name for m in item.materials if m.conditions.proxy]
    assert proxy == ["委托人及代理人身份证件", "授权委托书"]
    ending = next(m for m in item.materials if m.conditions.situations == ["终止"])
    assert ending.commitment_alternative == "个人承诺书"
    assert item.legal_basis[0].startswith("5. 中共中央组织部")
    assert len(item.legal_basis) == 6


def test_unit_enrollment_materials_by_unit_type(by_key):
    item = by_key["unit-enrollment"]
    by_type = {m.conditions.unit_types[0].value: m.name for m in item.materials if m.conditions.unit_types}
    assert by_type == {
        "机关": "《统一社会信用代码证书》",
        "事业": "《事业单位法人证书》",
        "企业": "《营业执照副本》",
        "社会团体": "《社会团体法人登记证书》",
        "民办非企业": "《民办非企业单位登记证书》",
    }
    assert item.situations == ["参保登记", "拆分、合并、分立", "注销登记"]
    assert len(item.legal_basis) == 6


def test_designation_review_includes_evaluation(by_key):
    for key in ("hospital-designation", "pharmacy-designation"):
        item = by_key[key]
        assert "审核环节包括评估、公示、协商谈判、协议签订等。" in item.notes
        assert all(m.conditions.applicant_kinds[0].value == "institution" for m in item.materials)


def test_remote_filing_notes_reassembled(by_key):
    residence = by_key["remote-long-term-residence"].materials[2]
    assert residence.name == "长期居住证明材料"
    assert residence.note.startswith("长期居住证明材料包含：公安机关出具的居住证")
    for key in ("remote-long-term-residence", "remote-temporary"):
        assert {c.kind.value for c in by_key[key].channels} == {"app", "wechat"}
    assert by_key["remote-referral"].channels[0].kind.value == "hospital"
