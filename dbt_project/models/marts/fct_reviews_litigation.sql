-- The current version of every report (is_current); every version, with superseded_by: fct_reviews_litigation_history.
{{ current_versions('fct_reviews_litigation_history') }}
