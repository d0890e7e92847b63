"""医疗救助 (catalog category 八): the yearly 参保资助 programme and aid (零星) reimbursement."""
