"""URL converters."""

from werkzeug.routing import IntegerConverter

# The largest id a 32-bit INTEGER primary key holds (PostgreSQL's integer).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` limited to 1 .. 2**31-1: a huge id is a 404, not a database error."""

    def __init__(self, map, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, **kwargs)
