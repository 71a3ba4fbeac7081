# English as Django writes it ("Nov. 27, 2024"), with 24-hour times and the zone named: "Nov. 27, 2024, 01:23 UTC".
# Month formats are short, for the dashboard's chart axes and the admin's date drill-down.
DATETIME_FORMAT = "N j, Y, H:i T"
SHORT_DATETIME_FORMAT = "m/d/Y H:i T"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "M j"
