# A clinic in the United States (PORTAL_LANGUAGE_CODE=en-us): month first, on every page.
DATE_FORMAT = "m/d/Y"
SHORT_DATE_FORMAT = "m/d/Y"
DATETIME_FORMAT = "m/d/Y P"
SHORT_DATETIME_FORMAT = "m/d/Y P"
