{{ incremental_by_report() }}
-- Grain: report × permit_item (table-2 row) × measure (table-2 column of the report's template).
-- 行政许可 (and, in the 2019 template, 其他对外管理服务事项) under 第二十条第（五）项.
{{ table2_fact('permits', 'permit_item') }}
