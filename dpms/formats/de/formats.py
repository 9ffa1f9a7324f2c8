"""How German pages write dates, times and numbers: "7. Dez. 2026" (the month named, abbreviated as German
writes it: "Dez.", "März", "Sept."), "7.12.2026 14:05" for a moment, a 24-hour clock, the decimal comma
and the thousands dot ("1.234,5").

As in English, the short formats are the long ones: one way to write a date on every page. Input formats
take the ISO date first (``<input type="date">`` sends it), then the German "7.12.2026".
"""

DATE_FORMAT = "j. N Y"
DATETIME_FORMAT = "j.n.Y H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "j. F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
