{{ incremental_by_report() }}
-- Grain: report × document_kind (table-2 row) × measure (table-2 column of the report's template).
-- 规章 and (行政)规范性文件 under 第二十条第（一）项, with either template's measures (2021: issued / repealed / in force; 2019: made / published / total published).
{{ table2_fact('regulations', 'document_kind') }}
