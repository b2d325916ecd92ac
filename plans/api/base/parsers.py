"""The JSON parser of every API route: a body nested too deeply is a 400, not a 500.

Python's json raises RecursionError past about a thousand levels; no request of this API nests
more than a few. Body size is bounded before parsing by Django's DATA_UPLOAD_MAX_MEMORY_SIZE
(PMC_MAX_BODY_BYTES, 2.5 MB by default; a larger body is a 413, see errors.py).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser


class JSONParser(DRFJSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from None
