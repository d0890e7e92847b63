"""生育保险待遇 (catalog category 七): prenatal checks, maternity medical costs, family planning, 生育津贴."""
