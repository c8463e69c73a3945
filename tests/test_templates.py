"""The template description is self-consistent: every key the rules and tables use exists."""

from ingest import templates


def test_both_templates_describe_every_table2_column():
    t = templates.load()
    for tid in t.template_ids:
        cols = t.table2_columns(tid)
        for row in t.table2_rows(tid):
            assert row.columns, row.key
            for c in row.columns:
                assert c in cols, (tid, row.key, c)


def test_table3_shapes_have_the_spec_rows():
    t = templates.load()
    one = t.table3_row_keys("one_row")
    three = t.table3_row_keys("three_rows")
    # 2 intake + 2 + 8 deny + 3 unable + 5 reject + (六) + total + carry_forward
    assert len(one) == 23 and len(three) == 25
    assert "other" in one and "other" not in three
    assert {"other_no_correction", "other_no_fee", "other_other"} <= set(three)
    assert t.table3_detail_columns == [
        "natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org"]


def test_rules_name_known_keys():
    t = templates.load()
    row_keys = {r.key for r in t.table3_rows}
    t4_cols = {c.key for c in t.table4_columns}
    for rule in t.rules:
        terms = list(rule.lhs) + (list(rule.rhs) if not isinstance(rule.rhs, str) else [])
        known = row_keys if rule.table == "table3" else t4_cols
        for term in terms:
            assert term in known, (rule.id, term)


def test_expected_cells_counts():
    t = templates.load()
    cells = t.expected_cells("2021", "three_rows")
    assert len([c for c in cells if c[0] == "table3"]) == 25 * 7
    assert len([c for c in cells if c[0] == "table4"]) == 15
    assert len([c for c in cells if c[0] == "table2"]) == 3 + 3 + 1 + 1 + 1 + 1


def test_normalise_folds_typography():
    n = templates.normalise
    assert n("（二）部分公开（区分处理的，只计这一情形，不计其他情形）") == n("(二)部分公开(区分处理的,只计这一情形,不计其他情形)")
    assert n("3.危及“三安全一稳定”") == n("3.危及三安全一稳定")
