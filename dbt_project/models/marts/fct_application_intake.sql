-- The current version of every report (is_current); every version, with superseded_by: fct_application_intake_history.
{{ current_versions('fct_application_intake_history') }}
