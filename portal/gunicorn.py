"""gunicorn's settings for the portal: `gunicorn portal.wsgi -c python:portal.gunicorn`.

Command-line options (bind, workers, the log files) still win over these."""

# The access log masks the tokens in "stop reminders", invitation and password reset links.
logger_class = "portal.log_masking.MaskingGunicornLogger"
