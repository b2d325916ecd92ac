"""Spanish numbers as written in Argentina (1.234.567,50), where the programme runs; dates
and everything else fall back to Django's Spanish formats."""

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
