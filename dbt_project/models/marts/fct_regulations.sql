-- The current version of every report (is_current); every version, with superseded_by: fct_regulations_history.
{{ current_versions('fct_regulations_history') }}
