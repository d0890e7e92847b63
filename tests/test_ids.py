import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from yibao.ids import (
    InvalidIdentifier,
    make_resident_id,
    make_uscc,
    mask_resident_id,
    validate_resident_id,
    validate_uscc,
)

TODAY = datetime.date(2026, 6, 1)


# --- 公民身份号码 --------------------------------------------------------------------

def test_a_valid_number_is_returned_with_its_parts():
    number = make_resident_id("14010519850312251")
    rid = validate_resident_id(number, today=TODAY)
    assert rid.number == number
    assert rid.birth_date == datetime.date(1985, 3, 12)
    assert rid.sex == "男"  # 17th digit 1 is odd
    assert rid.county_code == "140105"
    assert rid.county_name == "小店区"
    assert rid.warnings == []


def test_lower_case_x_spaces_and_hyphens_are_normalised():
    # Find a body whose check digit is X.
    body = next(f"14010519900101{n:03d}" for n in range(1000)
                if make_resident_id(f"14010519900101{n:03d}").endswith("X"))
    number = make_resident_id(body)
    assert validate_resident_id(" " + number[:6] + "-" + number[6:].lower()).number == number


def test_luzhou_140403_with_a_birth_year_before_2018_is_accepted():
    # stdnum.cn.ric.validate refuses it: 潞州区 has existed only since 2018.
    number = make_resident_id("14040319750615123")
    assert not ric.is_valid(number)
    rid = validate_resident_id(number)
    assert rid.county_name == "潞州区"
    assert rid.warnings == []


def test_an_unknown_county_code_is_a_warning_not_a_refusal():
    number = make_resident_id("14999919800101001")
    rid = validate_resident_id(number)
    assert rid.number == number
    assert rid.county_name == ""
    assert rid.warnings == ["公民身份号码中的行政区划代码 149999 不在区划代码表中，请核对"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "公民身份号码不能为空"),
        ("14010519850312", "公民身份号码长度应为 18 位，实际为 14 位"),
        ("1401051985031225AX", "公民身份号码格式错误：前 17 位应为数字，最后一位为数字或 X"),
        ("14010519850230251" + ric.calc_check_digit("140105198502302510"),
         "公民身份号码中的出生日期 19850230 不是有效日期"),
        (make_resident_id("14010520300101251"), "公民身份号码中的出生日期 2030-01-01 晚于今天"),
        (make_resident_id("14010518000101251"), "公民身份号码中的出生日期 1800-01-01 早于 1890 年，请核对"),
    ],
)
def test_bad_numbers_are_refused_with_a_chinese_message(value, message):
    with pytest.raises(InvalidIdentifier) as exc:
        validate_resident_id(value, today=TODAY)
    assert str(exc.value) == message
    assert exc.value.field == "公民身份号码"


def test_a_wrong_check_digit_names_the_right_one():
    number = make_resident_id("14010519850312251")
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(InvalidIdentifier, match=f"公民身份号码校验位错误，应为 {number[-1]}"):
        validate_resident_id(wrong)


def test_the_field_name_can_be_given():
    with pytest.raises(InvalidIdentifier, match="^申请人身份证号长度应为 18 位"):
        validate_resident_id("123", field_name="申请人身份证号")


bodies = st.builds(
    lambda county, birth, seq: f"{county}{birth:%Y%m%d}{seq:03d}",
    st.sampled_from(["140105", "140403", "140525", "110101", "149999"]),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31)),
    st.integers(0, 999),
)


@given(bodies)
def test_property_a_number_with_the_right_check_digit_validates(body):
    number = make_resident_id(body)
    assert validate_resident_id(number, today=TODAY).number == number


@given(bodies, st.integers(0, 17), st.integers(1, 10))
def test_property_changing_one_character_fails(body, position, shift):
    number = make_resident_id(body)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = number[position]
    new = alphabet[(alphabet.index(old) + shift) % len(alphabet)]
    if new == old:
        new = alphabet[(alphabet.index(old) + 1) % len(alphabet)]
    changed = number[:position] + new + number[position + 1:]
    # The check digit catches every single-character change (ISO 7064 MOD 11-2).
    with pytest.raises(InvalidIdentifier):
        validate_resident_id(changed, today=TODAY)


# --- 统一社会信用代码 -----------------------------------------------------------------

def test_a_valid_uscc_is_returned_upper_case():
    assert validate_uscc("91110000600037341l") == "91110000600037341L"


def test_a_uscc_with_a_letter_registration_authority_is_accepted():
    # A: 机构编制, N: 农业 — stdnum.cn.uscc.validate wrongly refuses both.
    from stdnum.cn import uscc

    for body in ("A1110000MB0123456", "N2140105MA0K12345", "Y1140100MA0ABCDEF"):
        code = make_uscc(body)
        assert not uscc.is_valid(code)
        assert validate_uscc(code) == code


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "统一社会信用代码不能为空"),
        ("9111000060003734", "统一社会信用代码长度应为 18 位，实际为 16 位"),
        ("91110000600O37341L", "统一社会信用代码含有无效字符 O（不使用 I、O、Z、S、V）"),
        ("911A0000600037341L", "统一社会信用代码第 3–8 位应为行政区划代码（6 位数字）"),
        ("91110000600037341M", "统一社会信用代码校验位错误，应为 L"),
    ],
)
def test_bad_usccs_are_refused_with_a_chinese_message(value, message):
    with pytest.raises(InvalidIdentifier) as exc:
        validate_uscc(value)
    assert str(exc.value) == message
    assert exc.value.field == "统一社会信用代码"


uscc_bodies = st.builds(
    lambda head, division, org: head + division + org,
    st.sampled_from(["91", "92", "11", "12", "51", "52", "A1", "N2", "Y1"]),
    st.sampled_from(["140100", "140105", "140525", "110000"]),
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=9, max_size=9),
)


@given(uscc_bodies)
def test_property_a_uscc_with_the_right_check_digit_validates(body):
    code = make_uscc(body)
    assert validate_uscc(code) == code


@given(uscc_bodies, st.integers(0, 17), st.integers(1, 30))
def test_property_changing_one_uscc_character_fails(body, position, shift):
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    code = make_uscc(body)
    new = alphabet[(alphabet.index(code[position]) + shift) % 31]
    changed = code[:position] + new + code[position + 1:]
    with pytest.raises(InvalidIdentifier):
        validate_uscc(changed)


# --- masking -------------------------------------------------------------------------

def test_mask_keeps_the_first_six_and_last_four():
    assert mask_resident_id("140105198503121234") == "140105********1234"
    assert mask_resident_id("14010519850312123x") == "140105********123X"


def test_mask_of_a_short_value_hides_everything():
    assert mask_resident_id("12345") == "*****"
