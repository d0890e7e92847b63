"""The per-item rules file is read strictly: a misspelt key is refused, naming file, entry and key."""

import pytest

from yibao.reimbursement import item_rules


def test_the_shipped_rules_cover_every_reimbursement_handler_key():
    assert set(item_rules.item_rules()) >= {"reimbursement_inpatient_referral", "reimbursement_after_arrears",
                                            "reimbursement_chronic_special_drug", "reimbursement_minor_accident"}


def test_an_unknown_key_is_refused_naming_the_entry_and_the_key(tmp_path, monkeypatch):
    bad = tmp_path / "items.yaml"
    bad.write_text("reimbursement_x:\n  label: x\n  source: x\n  care: inpatient\n  insurance_types: ['310']\n"
                   "  payees: [本人]\n  referal_deduction: true\n", encoding="utf-8")
    monkeypatch.setattr(item_rules, "ITEMS_FILE", bad)
    item_rules.item_rules.cache_clear()
    try:
        with pytest.raises(item_rules.ItemRulesError, match="条目 reimbursement_x 的 referal_deduction"):
            item_rules.item_rules()
    finally:
        item_rules.item_rules.cache_clear()
