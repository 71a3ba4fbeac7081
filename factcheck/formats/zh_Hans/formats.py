# Simplified Chinese as Django writes it ("2024年11月27日 09:23"), with the zone named: "2024年11月27日 09:23 CST".
DATETIME_FORMAT = "Y年n月j日 H:i T"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i T"
MONTH_DAY_FORMAT = "n月j日"
