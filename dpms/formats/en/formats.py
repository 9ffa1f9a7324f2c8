"""How English pages write dates and times: "2 Dec 2026", "2 Dec 2026, 14:05" (24-hour clock).

The short formats are the same on purpose: one way to write a date on every page. Input formats are
Django's own for English (ISO first, which ``<input type="date">`` sends).
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
FIRST_DAY_OF_WEEK = 1  # Monday
