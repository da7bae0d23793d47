# A clinic in the United States (PORTAL_LANGUAGE_CODE=en-us): month first, on every page. Named
# en_US, not en, so that en-gb never falls back to these before Django's own en_GB.
DATE_FORMAT = "m/d/Y"
SHORT_DATE_FORMAT = "m/d/Y"
DATETIME_FORMAT = "m/d/Y P"
SHORT_DATETIME_FORMAT = "m/d/Y P"
# The admin's date boxes write the first input format: month first too, ISO still accepted.
DATE_INPUT_FORMATS = ["%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y", "%b %d %Y", "%d %B %Y"]
