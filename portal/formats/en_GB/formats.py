# The clinic's dates in its own order, the same on every page: the admin's lists (DATE_FORMAT)
# read as its own pages (SHORT_DATE_FORMAT), day first. The rest is Django's en_GB.
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
