-- The current version of every report (is_current); every version, with superseded_by: fct_applications_history.
{{ current_versions('fct_applications_history') }}
