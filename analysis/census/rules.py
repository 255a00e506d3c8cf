"""The data package's constraints as checks on the typed census table.

Every rule (required, unique, pattern, enum, bounds, list vocabularies, year order and the
conditional requirements) is read from ``data/datapackage.json``, so the checks and the
documentation of the table cannot drift apart.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pa

from analysis.census.problems import Problem

DTYPES = {"integer": "Int64", "boolean": "boolean", "string": "string"}


SUPPORTED_CONSTRAINTS = {"required", "unique", "pattern", "enum", "minimum", "maximum"}


@dataclass(frozen=True)
class _Rule:
    """One check from the table schema: where it applies and how to explain a failing row.

    ``test`` takes the column (or, when ``row_wise``, the whole frame) and is True where the
    row passes. ``grouped`` rules explain all failing rows that share a value in one problem.
    """

    column: str
    test: Callable[[Any], pd.Series]
    explain: Callable[[pd.Series], str]
    row_wise: bool = False
    grouped: bool = False


def table_rules(
    frame: pd.DataFrame, schema: dict[str, Any], census_year: int, package_name: str
) -> list[_Rule]:
    """The table schema's constraints and custom ``x-`` rules for the columns present."""
    rules: list[_Rule] = []
    for field in schema["fields"]:
        if field["name"] not in frame.columns:
            continue
        rules += _constraint_rules(field, schema.get("primaryKey", []))
        if "x-list-enum" in field:
            rules.append(_list_enum_rule(field))
        for key, after in (("x-not-after", True), ("x-not-before", False)):
            for reference in field.get(key, []):
                rule = _order_rule(field, reference, frame, census_year, package_name, after)
                rules += [rule] if rule else []
    for requirement in schema.get("x-conditional-requirements", []):
        if requirement["when"]["field"] in frame.columns:
            rules.append(_conditional_rule(requirement, frame))
    return rules


def _constraint_rules(field: dict[str, Any], primary_key: list[str] | str) -> list[_Rule]:
    """The standard Table Schema constraints of one field (a one-field primary key is unique)."""
    name, constraints = field["name"], field.get("constraints", {})
    about = field.get("description", field.get("title", name))
    rules: list[_Rule] = []
    if constraints.get("required"):
        rules.append(
            _Rule(
                name,
                lambda s: s.notna(),
                lambda row: f"the cell is empty but {name} is required ({about}). Fix: fill it in.",
            )
        )
    if constraints.get("unique") or primary_key in ([name], name):
        rules.append(
            _Rule(
                name,
                lambda s: ~(s.duplicated(keep=False) & s.notna()),
                lambda row: f"{name} must be unique but these rows share the value. Fix: give "
                "each network its own identifier, or delete the duplicate row.",
                grouped=True,
            )
        )
    if "pattern" in constraints:
        pattern, example = constraints["pattern"], field.get("example")
        rules.append(
            _Rule(
                name,
                lambda s: s.str.fullmatch(pattern).fillna(True).astype(bool),
                lambda row: f"does not have the required form ({about}). Fix: rewrite it"
                + (f" like {example}." if example else f" to match the pattern {pattern}."),
            )
        )
    if "enum" in constraints:
        allowed = constraints["enum"]
        rules.append(
            _Rule(
                name,
                lambda s: s.isin(allowed).fillna(False).astype(bool) | s.isna(),
                lambda row: f"is not an allowed value. Fix: use one of {', '.join(allowed)} "
                "(exact spelling).",
            )
        )
    for bound, fails, word in (("minimum", "lt", "below"), ("maximum", "gt", "above")):
        if bound in constraints:
            limit = constraints[bound]
            rules.append(
                _Rule(
                    name,
                    lambda s, lim=limit, op=fails: ~getattr(s, op)(lim).fillna(False),
                    lambda row, lim=limit, w=word, b=bound: f"is {w} the {b} {lim}. Fix: "
                    "correct the value (a typo?).",
                )
            )
    return rules


def _list_enum_rule(field: dict[str, Any]) -> _Rule:
    """Every item of a multi-valued cell must come from the field's ``x-list-enum``."""
    name, allowed, sep = field["name"], field["x-list-enum"], field.get("x-separator", ";")

    def unknown(cell: Any) -> list[str]:
        return [] if pd.isna(cell) else [i for i in str(cell).split(sep) if i not in allowed]

    def explain(row: pd.Series) -> str:
        bad = ", ".join(f'"{item}"' for item in unknown(row[name]))
        return (
            f"unknown value(s) {bad}. Fix: use only {', '.join(allowed)}, separated by "
            f'"{sep}" without spaces.'
        )

    return _Rule(name, lambda s: s.map(lambda c: not unknown(c)).astype(bool), explain)


def _order_rule(
    field: dict[str, Any],
    reference: str,
    frame: pd.DataFrame,
    census_year: int,
    package_name: str,
    after: bool,
) -> _Rule | None:
    """``x-not-after`` / ``x-not-before``: a year may not pass the census year or another column."""
    name = field["name"]
    if reference == "census_year":
        if not after:
            raise ValueError(f"{package_name}: x-not-before cannot refer to census_year ({name})")
        return _Rule(
            name,
            lambda s: ~(s > census_year).fillna(False),
            lambda row: f"is after the census year {census_year}. Fix: correct the year; if "
            f'the table describes a later census, raise "census_year" in {package_name}.',
        )
    if reference not in frame.columns:
        return None
    word, fails = ("after", "gt") if after else ("before", "lt")
    return _Rule(
        name,
        lambda d: ~getattr(d[name], fails)(d[reference]).fillna(False),
        lambda row: f"is {word} {reference} {row[reference]} in the same row. Fix: correct "
        "one of the two years.",
        row_wise=True,
    )


def _conditional_rule(requirement: dict[str, Any], frame: pd.DataFrame) -> _Rule:
    """Cells that must be filled when another column holds given values."""
    when, needed = requirement["when"], requirement["require_any"]
    present = [c for c in needed if c in frame.columns]

    def test(d: pd.DataFrame) -> pd.Series:
        applies = d[when["field"]].isin(when["in"]).fillna(False).astype(bool)
        filled = d[present].notna().any(axis=1) if present else False
        return ~applies | filled

    return _Rule(
        when["field"],
        test,
        lambda row: f"{when['field']} is {row[when['field']]} but neither "
        f"{' nor '.join(needed)} is filled in. "
        f"{requirement.get('description', '')} Fix: fill in {' or '.join(needed)}.",
        row_wise=True,
    )


def rule_problems(frame: pd.DataFrame, rules: list[_Rule]) -> list[Problem]:
    """Run the rules as one lazy pandera schema and turn its failure cases into problems."""
    keys = {f"rule-{i}": rule for i, rule in enumerate(rules)}

    def check(key: str, rule: _Rule) -> pa.Check:
        return pa.Check(rule.test, error=key, ignore_na=False)

    schema = pa.DataFrameSchema(
        {
            column: pa.Column(
                str(frame[column].dtype),
                checks=[
                    check(k, r) for k, r in keys.items() if r.column == column and not r.row_wise
                ],
                nullable=True,
            )
            for column in frame.columns
        },
        checks=[check(k, r) for k, r in keys.items() if r.row_wise],
    )
    try:
        with warnings.catch_warnings():
            # pandera's own report building trips a pandas deprecation; it says nothing to users
            warnings.simplefilter("ignore", FutureWarning)
            schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases
        if not set(failures["check"]) <= set(keys):
            raise RuntimeError(
                "the typed table fails checks not derived from the schema"
            ) from errors
    else:
        return []
    problems: list[Problem] = []
    for key, cases in failures.groupby("check", sort=False):
        rule = keys[key]
        rows = sorted({int(i) for i in cases["index"]})
        if rule.grouped:
            values = frame.loc[rows, rule.column]
            for value, group in values.groupby(values, sort=False):
                problems.append(
                    Problem(
                        rule.explain(frame.loc[group.index[0]]),
                        rows=tuple(int(i) for i in group.index),
                        column=rule.column,
                        value=str(value),
                    )
                )
            continue
        for number in rows:
            row = frame.loc[number]
            value = row[rule.column]
            problems.append(
                Problem(
                    rule.explain(row),
                    rows=(number,),
                    column=rule.column,
                    value=None if pd.isna(value) else str(value),
                )
            )
    return problems


def check_supported(fields: dict[str, dict[str, Any]], package_name: str) -> None:
    """Refuse a data package that asks for checks this reader would silently skip."""
    for name, field in fields.items():
        if field.get("type", "string") not in DTYPES:
            raise ValueError(
                f"{package_name}: field {name} has type {field['type']!r}; the networks reader "
                f"handles {', '.join(DTYPES)}"
            )
        unknown = set(field.get("constraints", {})) - SUPPORTED_CONSTRAINTS
        if unknown:
            raise ValueError(
                f"{package_name}: field {name} uses constraint(s) {sorted(unknown)} that the "
                f"networks reader does not check; it checks {sorted(SUPPORTED_CONSTRAINTS)}"
            )
