{{ incremental_by_report() }}
-- Grain: report × enforcement_kind (table-2 row) × measure (table-2 column of the report's template).
-- 行政处罚 and 行政强制 under 第二十条第（六）项: two distinct measures, never added.
{{ table2_fact('penalties', 'enforcement_kind') }}
