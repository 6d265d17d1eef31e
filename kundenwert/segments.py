"""Filters and segments: which persons a view counts.

A :class:`SegmentDefinition` is plain JSON-serialisable data (pydantic): the *facets* the
analytics pages offer (country with a city drill-down, product bought, source, value band,
free value range, customer since, RFM segment) and the *conditions* of the segment builder,
combined with ``all`` (and) or ``any`` (or). Facets are always combined with *and*, with each
other and with the conditions. Applying a definition yields a set of person ids;
:func:`restrict` narrows a :class:`~kundenwert.customers.Dataset` to them, so every figure
computed on the result (KPIs, lifecycle, matrix, Kundenreise) counts only those persons.

Definitions every facet and condition uses (all history, not a date range):

- *value* is the person's customer value (``Dataset.customers.value``, base-currency cents on
  the dataset's basis); *orders* their counted orders; *first/last order* the German calendar
  days of their first and last counted sale; *customer since* is the first-order day.
- *product bought*: a product of a counted order; *source*: a source with a counted order.
  A person has several of each: ``is`` matches when any of them is one of the given values,
  ``is not`` when none is, ``contains`` when any contains the text (case-insensitive).
- *value band*: persons with a counted order ranked by value (highest first, ties by person
  id); top 1 % = the first ⌈n / 100⌉, top 10 % = ⌈n / 10⌉, top 20 % = ⌈n / 5⌉ (the same rule
  as the KPI "Top 20 %"); *rest* = every other listed person, those without orders included.
- *in the last N days*: today − N < day ≤ today (German days), so N = 1 is today.
- A person without the field (no city, no CLV prediction) never matches a condition on it,
  except ``is not``.
- *RFM segment*: scored as of today over all history (:func:`kundenwert.rfm.score`).

Everything is vectorised: :class:`FilterContext` prepares the per-person frames once per
dataset; applying a definition is a few boolean masks over 200,000 rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any, Literal, get_args

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kundenwert import i18n
from kundenwert.customers import Dataset
from kundenwert.daily import carry_over
from kundenwert.frames import Frames
from kundenwert.metrics import german_day

ValueBand = Literal["top1", "top10", "top20", "rest"]
VALUE_BANDS: tuple[ValueBand, ...] = get_args(ValueBand)
_BAND_DIVISORS = {"top1": 100, "top10": 10, "top20": 5}

ConditionField = Literal[
    "country",
    "city",
    "product",
    "source",
    "rfm_segment",
    "value",
    "orders",
    "clv",
    "first_order",
    "last_order",
]
Operator = Literal["is", "is_not", "contains", "gt", "lt", "between", "in_last_days"]
CONDITION_FIELDS: tuple[ConditionField, ...] = get_args(ConditionField)
OPERATORS: tuple[Operator, ...] = get_args(Operator)
TEXT_FIELDS = ("country", "city", "product", "source", "rfm_segment")
MONEY_FIELDS = ("value", "clv")  # cents
NUMBER_FIELDS = ("value", "orders", "clv")
DATE_FIELDS = ("first_order", "last_order")
OPERATORS_BY_FIELD: dict[str, tuple[Operator, ...]] = {
    **{f: ("is", "is_not", "contains") for f in TEXT_FIELDS},
    **{f: ("is", "is_not", "gt", "lt", "between") for f in NUMBER_FIELDS},
    **{f: ("is", "is_not", "gt", "lt", "between", "in_last_days") for f in DATE_FIELDS},
}
CLV_COLUMN = "clv"
FACETS = ("country", "city", "product", "source", "value", "since", "rfm_segment")


class SegmentError(ValueError):
    """A definition or a saved segment a person has to fix; ``code`` is a message key.

    ``str()`` is the German text; :meth:`message` gives it in the UI's language.
    """

    def __init__(self, code: str, **details: object) -> None:
        self.code = code
        self.details = details
        super().__init__(self.message("de"))

    def message(self, lang: str) -> str:
        from kundenwert import i18n

        return i18n.t(f"segments.error.{self.code}", lang, **self.details)


def _listed(raw: Any) -> Any:
    if isinstance(raw, str):
        return [part for part in (p.strip() for p in raw.split(",")) if part]
    return raw


class Condition(BaseModel):
    """One line of the segment builder: ``field op value [to]``.

    ``value`` is a list of texts for ``is``/``is not`` on a text field (any of them), one text
    for ``contains``, a whole number (cents for value and CLV, a count for orders), a day for
    a date field, or a number of days for ``in_last_days``; ``to`` is the upper bound of
    ``between`` (both bounds inclusive).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: ConditionField
    op: Operator
    value: list[str] | date | int | str
    to: date | int | None = None

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, data: Any) -> Any:
        """Bring JSON (dates as text) and typed input into the shape the field needs."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        field, op = data.get("field"), data.get("op")
        if field not in OPERATORS_BY_FIELD or op not in OPERATORS:
            return data  # the Literal types report it
        if op not in OPERATORS_BY_FIELD[field]:
            raise SegmentError("operator", field=field, op=op)
        if op == "between" and data.get("to") is None:
            raise SegmentError("between", field=field)
        if field in TEXT_FIELDS:
            data["value"] = _text_value(field, op, data.get("value"))
        elif field in NUMBER_FIELDS or op == "in_last_days":
            data["value"] = _whole(field, data.get("value"))
            if data.get("to") is not None:
                data["to"] = _whole(field, data["to"])
        else:
            data["value"] = _day(field, data.get("value"))
            if data.get("to") is not None:
                data["to"] = _day(field, data["to"])
        if op != "between":
            data["to"] = None
        return data


def _text_value(field: str, op: str, raw: Any) -> list[str] | str:
    if op == "contains":
        text = str(raw or "").strip()
        if not text:
            raise SegmentError("empty", field=field)
        return text
    values = [str(v).strip() for v in (_listed(raw) or []) if str(v).strip()]
    if not values:
        raise SegmentError("empty", field=field)
    return values


def _whole(field: str, raw: Any) -> int:
    if isinstance(raw, bool) or raw is None or raw == "":
        raise SegmentError("number", field=field, value=raw)
    try:
        return int(str(raw).strip())
    except ValueError:
        raise SegmentError("number", field=field, value=raw) from None


def _day(field: str, raw: Any) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return i18n.parse_day(str(raw))
    except ValueError:
        raise SegmentError("day", field=field, value=raw) from None


class Facets(BaseModel):
    """The facet choices of the analytics pages; empty lists and ``None`` mean "all".

    Lists match any of their values; ``min_value``/``max_value`` are cents, both inclusive;
    ``since_from``/``since_to`` bound the first-order day, both inclusive.
    """

    model_config = ConfigDict(extra="forbid")

    countries: list[str] = Field(default_factory=list)
    cities: list[str] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    rfm_segments: list[str] = Field(default_factory=list)
    value_band: ValueBand | None = None
    min_value: int | None = None
    max_value: int | None = None
    since_from: date | None = None
    since_to: date | None = None

    def is_empty(self) -> bool:
        return self == Facets()


class SegmentDefinition(BaseModel):
    """Facets and conditions; the JSON stored for a saved segment."""

    model_config = ConfigDict(extra="forbid")

    facets: Facets = Field(default_factory=Facets)
    match: Literal["all", "any"] = "all"
    conditions: list[Condition] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return self.facets.is_empty() and not self.conditions

    def needs_rfm(self) -> bool:
        return bool(self.facets.rfm_segments) or any(
            c.field == "rfm_segment" for c in self.conditions
        )


def _segment_error(error: ValidationError) -> SegmentError:
    """The first problem of a pydantic error, as a message a person can act on."""
    first = error.errors()[0]
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, SegmentError):
        return cause
    where = ".".join(str(part) for part in first.get("loc", ()))
    return SegmentError("invalid", where=where or "–", problem=first.get("msg", ""))


def parse_definition(data: str | bytes | dict[str, Any]) -> SegmentDefinition:
    """A definition from JSON text or a dict; :class:`SegmentError` when it is not valid."""
    try:
        if isinstance(data, dict):
            return SegmentDefinition.model_validate(data)
        return SegmentDefinition.model_validate_json(data)
    except ValidationError as error:
        raise _segment_error(error) from None


def make_condition(field: str, op: str, value: Any, to: Any = None) -> Condition:
    """One condition from loose input (a form, the command line); :class:`SegmentError`."""
    try:
        return Condition.model_validate({"field": field, "op": op, "value": value, "to": to})
    except ValidationError as error:
        raise _segment_error(error) from None


class FilterContext:
    """Per-person frames a definition is applied to, prepared once per dataset.

    ``people``: person_id, country (upper case), city, value, orders, first_order and
    last_order (German days), rank (by value, null without orders), clv (when the customer
    list has a ``clv`` column). ``products``/``sources``: person_id and the name, one row per
    person and name, from counted orders.
    """

    def __init__(
        self,
        ds: Dataset,
        today: date,
        rfm_grid: Mapping[Any, str] | None = None,
        predictions: Callable[[], pl.DataFrame | None] | None = None,
    ) -> None:
        self.ds = ds
        self.today = today
        self.rfm_grid = rfm_grid
        # person_id, clv_cents of a fit the caller already has (the dashboard's cached one)
        self._predictions = predictions
        customers = ds.customers
        clv = [pl.col(CLV_COLUMN).cast(pl.Int64)] if CLV_COLUMN in customers.columns else []
        ranked = (
            customers.filter(pl.col("orders") > 0)
            .sort(["value", "person_id"], descending=[True, False])
            .select("person_id")
            .with_row_index("rank", offset=1)
        )
        self.customers = ranked.height
        self.people = (
            customers.select(
                "person_id",
                pl.col("country").str.to_uppercase(),
                "city",
                "value",
                "orders",
                german_day("first_order").alias("first_order"),
                german_day("last_order").alias("last_order"),
                *clv,
            )
            .join(ranked.with_columns(pl.col("rank").cast(pl.Int64)), on="person_id", how="left")
            .sort("person_id")
        )
        counted = ds.orders.filter(pl.col("counted") & (pl.col("gross_cents") >= 0))
        self.products = (
            ds.frames.items.select("order_id", pl.col("product_name").alias("name"))
            .drop_nulls("name")
            .join(counted.select("order_id", "person_id"), on="order_id")
            .select("person_id", "name")
            .unique()
        )
        self.sources = (
            ds.by_source.select("person_id", pl.col("source_label").alias("name"))
            .drop_nulls("name")
            .unique()
        )

    @cached_property
    def rfm(self) -> pl.DataFrame:
        """person_id, name (the RFM segment key), scored as of today over all history on the
        owner's grid (the default grid without one)."""
        from kundenwert.rfm import DEFAULT_GRID, score

        persons = score(self.ds, self.today, grid=self.rfm_grid or DEFAULT_GRID).persons
        return persons.select("person_id", pl.col("segment").alias("name"))

    def band_limit(self, band: str) -> int:
        """How many persons the top band holds (⌈n / divisor⌉)."""
        divisor = _BAND_DIVISORS[band]
        return (self.customers + divisor - 1) // divisor

    @cached_property
    def predicted(self) -> pl.DataFrame | None:
        """person_id, clv: the predicted value of the next 12 months in cents
        (the caller's predictions, else :func:`kundenwert.clv.clv_by_person`), asked for only
        when a condition needs it; None when the data are too thin to fit."""
        from kundenwert.clv import NotEnoughDataError, clv_by_person

        if self._predictions is not None:
            found = self._predictions()
        else:
            try:
                found = clv_by_person(self.ds, self.today)
            except NotEnoughDataError:
                found = None
        if found is None:
            return None
        return found.select("person_id", pl.col("clv_cents").alias(CLV_COLUMN))

    def ensure_clv(self) -> bool:
        """Give ``people`` its clv column (once); False when there is no prediction."""
        if CLV_COLUMN in self.people.columns:
            return True
        if self.predicted is None:
            return False
        self.people = self.people.join(
            self.predicted, on="person_id", how="left", maintain_order="left"
        )
        return True


def build_context(
    ds: Dataset,
    today: date | None = None,
    rfm_grid: Mapping[Any, str] | None = None,
    predictions: Callable[[], pl.DataFrame | None] | None = None,
) -> FilterContext:
    """The context to apply definitions to; ``today`` defaults to today in Germany."""
    from kundenwert.metrics import german_today

    return FilterContext(ds, today or german_today(), rfm_grid, predictions)


# --- masks ------------------------------------------------------------------------------------


def _long(ctx: FilterContext, field: str) -> pl.DataFrame:
    """person_id, name: the values a person has for a text field (several for some)."""
    if field == "product":
        return ctx.products
    if field == "source":
        return ctx.sources
    if field == "rfm_segment":
        return ctx.rfm
    return ctx.people.select("person_id", pl.col(field).alias("name")).drop_nulls("name")


def _having(ctx: FilterContext, field: str, matches: pl.Expr) -> pl.Series:
    """Mask over ``ctx.people``: persons with at least one ``field`` value matching."""
    ids = _long(ctx, field).filter(matches)["person_id"]
    return ctx.people["person_id"].is_in(ids.implode())


def _any_of(ctx: FilterContext, field: str, values: list[str]) -> pl.Series:
    wanted = [v.strip().casefold() for v in values]
    if field == "rfm_segment":
        wanted = [_rfm_key(v).casefold() for v in values]
    return _having(ctx, field, pl.col("name").str.to_lowercase().is_in(wanted))


def _rfm_key(text: str) -> str:
    """An RFM segment key from its key or German label (either case)."""
    from kundenwert.rfm import SEGMENT_LABELS_DE, SEGMENTS

    names = {s.casefold(): s for s in SEGMENTS}
    names.update({label.casefold(): s for s, label in SEGMENT_LABELS_DE.items()})
    key = names.get(text.strip().casefold())
    if key is None:
        known = ", ".join(f"{SEGMENT_LABELS_DE[s]} ({s})" for s in SEGMENTS)
        raise SegmentError("rfm_segment", value=text, known=known)
    return key


def _column_mask(ctx: FilterContext, expr: pl.Expr) -> pl.Series:
    return ctx.people.select(expr.fill_null(False).alias("m"))["m"]


def condition_mask(ctx: FilterContext, condition: Condition) -> pl.Series:
    """Boolean mask over ``ctx.people`` of the persons ``condition`` matches."""
    field, op, value = condition.field, condition.op, condition.value
    if field == "clv" and not ctx.ensure_clv():
        raise SegmentError("no_clv")
    if field in TEXT_FIELDS:
        if op == "contains":
            needle = str(value).casefold()
            return _having(
                ctx, field, pl.col("name").str.to_lowercase().str.contains(needle, literal=True)
            )
        assert isinstance(value, list)
        found = _any_of(ctx, field, value)
        return found if op == "is" else ~found
    column = pl.col(field)
    if op == "in_last_days":
        assert isinstance(value, int)
        expr = (column > ctx.today - timedelta(days=value)) & (column <= ctx.today)
    elif op == "is":
        expr = column == value
    elif op == "is_not":
        expr = column.is_null() | (column != value)
    elif op == "gt":
        expr = column > value
    elif op == "lt":
        expr = column < value
    else:
        expr = column.is_between(value, condition.to, closed="both")
    return _column_mask(ctx, expr)


def facet_masks(ctx: FilterContext, facets: Facets) -> dict[str, pl.Series]:
    """One mask over ``ctx.people`` per facet in use (see :data:`FACETS`)."""
    masks: dict[str, pl.Series] = {}
    for facet, field, values in (
        ("country", "country", facets.countries),
        ("city", "city", facets.cities),
        ("product", "product", facets.products),
        ("source", "source", facets.sources),
        ("rfm_segment", "rfm_segment", facets.rfm_segments),
    ):
        if values:
            masks[facet] = _any_of(ctx, field, values)
    value = _value_expr(ctx, facets)
    if value is not None:
        masks["value"] = _column_mask(ctx, value)
    since = _range_expr("first_order", facets.since_from, facets.since_to)
    if since is not None:
        masks["since"] = _column_mask(ctx, since)
    return masks


def band_expr(ctx: FilterContext, band: str) -> pl.Expr:
    if band == "rest":
        return pl.col("rank").is_null() | (pl.col("rank") > ctx.band_limit("top20"))
    return pl.col("rank") <= ctx.band_limit(band)


def _value_expr(ctx: FilterContext, facets: Facets) -> pl.Expr | None:
    parts = []
    if facets.value_band is not None:
        parts.append(band_expr(ctx, facets.value_band))
    if facets.min_value is not None:
        parts.append(pl.col("value") >= facets.min_value)
    if facets.max_value is not None:
        parts.append(pl.col("value") <= facets.max_value)
    return pl.all_horizontal(parts) if parts else None


def _range_expr(column: str, start: date | None, end: date | None) -> pl.Expr | None:
    parts = []
    if start is not None:
        parts.append(pl.col(column) >= start)
    if end is not None:
        parts.append(pl.col(column) <= end)
    return pl.all_horizontal(parts) if parts else None


def _all(ctx: FilterContext, masks: list[pl.Series]) -> pl.Series:
    result = pl.Series("m", [True] * ctx.people.height, dtype=pl.Boolean)
    for mask in masks:
        result = result & mask
    return result


def definition_mask(ctx: FilterContext, definition: SegmentDefinition) -> pl.Series:
    mask = _all(ctx, list(facet_masks(ctx, definition.facets).values()))
    if definition.conditions:
        masks = [condition_mask(ctx, c) for c in definition.conditions]
        combined = masks[0]
        for other in masks[1:]:
            combined = combined & other if definition.match == "all" else combined | other
        mask = mask & combined
    return mask


def matching_persons(ctx: FilterContext, definition: SegmentDefinition) -> pl.Series:
    """The person ids ``definition`` selects, ascending."""
    return ctx.people.filter(definition_mask(ctx, definition))["person_id"]


def combine(*definitions: SegmentDefinition) -> list[SegmentDefinition]:
    """The non-empty definitions; a person must match every one (see :func:`persons_of`)."""
    return [d for d in definitions if not d.is_empty()]


def persons_of(ctx: FilterContext, definitions: list[SegmentDefinition]) -> pl.Series | None:
    """Persons matching every definition; None when there is nothing to filter."""
    wanted = combine(*definitions)
    if not wanted:
        return None
    mask = _all(ctx, [definition_mask(ctx, d) for d in wanted])
    return ctx.people.filter(mask)["person_id"]


# --- facet counts -----------------------------------------------------------------------------


def facet_counts(
    ctx: FilterContext, facets: Facets, base: pl.Series | None = None
) -> dict[str, pl.DataFrame]:
    """Persons per facet value under the other facets (and ``base``, e.g. a saved segment).

    ``country``, ``city``, ``product``, ``source``: name, persons (most first, then by name).
    ``value``: band, persons (top bands nested: top 1 % ⊂ top 10 % ⊂ top 20 %; rest apart).
    A facet's own choice is left out of its counts, so the counts say what choosing another
    value would show; a city's counts follow the chosen countries (the drill-down).
    """
    masks = facet_masks(ctx, facets)
    start = [base] if base is not None else []
    counts: dict[str, pl.DataFrame] = {}
    for facet in ("country", "city", "product", "source"):
        others = _all(ctx, start + [m for name, m in masks.items() if name != facet])
        ids = ctx.people.filter(others)["person_id"]
        counts[facet] = (
            _long(ctx, facet)
            .filter(pl.col("person_id").is_in(ids.implode()))
            .group_by("name")
            .agg(pl.len().cast(pl.Int64).alias("persons"))
            .sort(["persons", "name"], descending=[True, False])
        )
    others = _all(ctx, start + [m for name, m in masks.items() if name != "value"])
    people = ctx.people.filter(others)
    counts["value"] = pl.DataFrame(
        {
            "band": list(VALUE_BANDS),
            "persons": [
                int(people.select(band_expr(ctx, b).sum()).item() or 0) for b in VALUE_BANDS
            ],
        },
        schema={"band": pl.String, "persons": pl.Int64},
    )
    return counts


# --- restricting a dataset --------------------------------------------------------------------


def _keep(frame: pl.DataFrame, column: str, ids: pl.Series) -> pl.DataFrame:
    return frame.filter(pl.col(column).is_in(ids.implode()))


def restrict_frames(frames: Frames, persons: pl.Series) -> Frames:
    """The frames of these persons only: their contacts, orders, items and refunds."""
    contacts = _keep(frames.contacts, "person_id", persons)
    orders = _keep(frames.orders, "contact_id", contacts["id"])
    return dataclasses.replace(
        frames,
        persons=_keep(frames.persons, "id", persons),
        contacts=contacts,
        orders=orders,
        items=_keep(frames.items, "order_id", orders["id"]),
        refunds=_keep(frames.refunds, "order_id", orders["id"]),
    )


def restrict(ds: Dataset, persons: pl.Series) -> Dataset:
    """``ds`` with only these persons: every per-person frame (and any added later, such as
    predictions, as long as it has a ``person_id`` column) and the raw frames are narrowed.

    Values are not recomputed: a person's orders, and so their value, are all theirs.
    """
    ids = persons.cast(pl.Int64)
    changes: dict[str, Any] = {"frames": restrict_frames(ds.frames, ids)}
    for item in dataclasses.fields(ds):
        current = getattr(ds, item.name)
        if isinstance(current, pl.DataFrame) and "person_id" in current.columns:
            changes[item.name] = _keep(current, "person_id", ids)
    narrowed = dataclasses.replace(ds, **changes)
    carry_over(ds, narrowed, ids)  # precomputed per-person frames, narrowed the same way
    return narrowed


def segment_value(ds: Dataset, persons: pl.Series) -> tuple[int, int]:
    """(persons, their value in cents) for a preview."""
    people = _keep(ds.customers, "person_id", persons)
    return people.height, int(people["value"].sum())


# --- conditions as text (forms, tables) -------------------------------------------------------


def _cents_text(field: str, text: str) -> int:
    """Whole currency units as typed (``100``, ``99,50``, ``1.234,56``) → cents."""
    raw = text.strip().replace(" ", "")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    try:
        return int((Decimal(raw) * 100).to_integral_value())
    except InvalidOperation:
        raise SegmentError("number", field=field, value=text) from None


def condition_from_text(field: str, op: str, value: str | None, to: str | None = None) -> Condition:
    """A condition from the texts of a form: money in currency units (not cents), lists
    separated by commas, days as YYYY-MM-DD."""
    value, to = (value or "").strip(), (to or "").strip() or None
    if field in MONEY_FIELDS and op in OPERATORS_BY_FIELD[field]:
        return make_condition(
            field, op, _cents_text(field, value), _cents_text(field, to) if to else None
        )
    return make_condition(field, op, value, to)


def condition_texts(condition: Condition) -> tuple[str, str]:
    """(value, to) as :func:`condition_from_text` reads them back."""

    def text(part: object) -> str:
        if part is None:
            return ""
        if isinstance(part, list):
            return ", ".join(part)
        if condition.field in MONEY_FIELDS and isinstance(part, int):
            return str(Decimal(part) / 100)
        return part.isoformat() if isinstance(part, date) else str(part)

    return text(condition.value), text(condition.to)
