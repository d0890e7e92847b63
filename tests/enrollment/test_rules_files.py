"""The five enrollment rule files are validated: a typo or a wrong value names the file and the key."""

import pytest

from yibao.enrollment.policies import POLICY_FILE, PolicyFile
from yibao.enrollment.rules_files import (
    BaopanRules,
    EmployeeRules,
    ResidentRules,
    RulesFileError,
    WithdrawalRules,
    check_rules,
    load_rules_file,
)
from yibao.enrollment.services.accounts import WITHDRAWAL_FILE
from yibao.enrollment.services.contributions import BAOPAN_FILE
from yibao.enrollment.services.employees import RULES_FILE as EMPLOYEE_FILE
from yibao.enrollment.services.residents import RULES_FILE as RESIDENT_FILE

FILES = [(WITHDRAWAL_FILE, WithdrawalRules), (BAOPAN_FILE, BaopanRules), (EMPLOYEE_FILE, EmployeeRules),
         (RESIDENT_FILE, ResidentRules), (POLICY_FILE, PolicyFile)]


@pytest.mark.parametrize(("path", "schema"), FILES, ids=[p.name for p, _ in FILES])
def test_the_shipped_rule_files_fit_their_schemas(path, schema):
    assert load_rules_file(path, schema)


def test_a_misspelt_key_is_refused_with_file_and_key():
    data = load_rules_file(WITHDRAWAL_FILE, WithdrawalRules)
    data["reasons"]["death"]["once_a_yaer"] = True
    with pytest.raises(RulesFileError, match=r"withdrawal.yaml 键 reasons.death.once_a_yaer：不是允许的键"):
        check_rules(data, WithdrawalRules, "withdrawal.yaml")


def test_a_wrong_status_is_refused_with_file_and_key():
    data = load_rules_file(EMPLOYEE_FILE, EmployeeRules)
    data["stop_reasons"]["调出"]["status"] = "3"
    with pytest.raises(RulesFileError, match=r"employee_rules.yaml 键 stop_reasons.调出.status："):
        check_rules(data, EmployeeRules, "employee_rules.yaml")


def test_a_missing_key_is_refused(tmp_path):
    path = tmp_path / "baopan.yaml"
    path.write_text('base_min: "1000.00"\nroster_material: 表\n', encoding="utf-8")
    with pytest.raises(RulesFileError, match="baopan.yaml 键 base_max："):
        load_rules_file(path, BaopanRules)
