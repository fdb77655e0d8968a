"""Builds the demo shop in the commerce database: python -m scripts.seed_db [--url URL] [--if-missing].

Creates the tables, then replaces all rows with the demo shop in one transaction, so running it
again gives the same data and a failure leaves the previous data as it was. A database written
by an older version, whose tables lack columns this one uses, is rebuilt table by table first
(its rows would be replaced anyway); with --if-missing it is left alone, with a warning.
"""

import argparse
import datetime as dt
import sys

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from actions.config import commerce_db_url
from actions.db.engine import make_engine
from actions.db.models import Base, Customer
from seed.demo_shop import build_demo_shop, demo_examples


def seed(url: str, if_missing: bool = False, today: dt.date | None = None) -> bool:
    """Creates the tables and (re)builds the demo shop.

    Args:
        url: SQLAlchemy URL of the commerce database.
        if_missing: Leave the database alone if it already has customers.
        today: The day the data is built for; defaults to today.

    Returns:
        True if the demo shop was written, False if `if_missing` left existing data alone.
    """
    engine = make_engine(url)
    try:
        outdated = outdated_tables(engine)
        if outdated and not if_missing:
            Base.metadata.drop_all(engine, tables=[Base.metadata.tables[name] for name in outdated])
        Base.metadata.create_all(engine)
        with Session(engine, future=True) as session, session.begin():
            if if_missing and session.scalar(select(func.count()).select_from(Customer)):
                if outdated:
                    print(f"Warning: the tables {', '.join(outdated)} lack columns this version uses; "
                          "`make seed` rebuilds the demo shop with them.", file=sys.stderr)
                return False
            # Children before parents, so foreign keys hold at every step.
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(table.delete())
            build_demo_shop(session, today or dt.date.today())
        return True
    finally:
        engine.dispose()


def outdated_tables(engine: Engine) -> list[str]:
    """The tables of the database that lack a column the models define, and every table that
    refers to one of them (dropped with them), children first."""
    inspector = inspect(engine)
    names = set(inspector.get_table_names())
    existing = [table for table in Base.metadata.sorted_tables if table.name in names]
    outdated = {
        table for table in existing
        if {column.name for column in table.columns} - {column["name"] for column in inspector.get_columns(table.name)}
    }
    # Parents come first in sorted_tables, so one pass adds the children of children too.
    for table in existing:
        if any(key.column.table in outdated for key in table.foreign_keys):
            outdated.add(table)
    return [table.name for table in reversed(existing) if table in outdated]


def report(url: str) -> list[str]:
    """Row counts per table, then the demo examples to try."""
    engine = make_engine(url)
    try:
        with Session(engine, future=True) as session:
            lines = [f"{table.name:<16} {session.scalar(select(func.count()).select_from(table)):>5}"
                     for table in Base.metadata.sorted_tables]
            lines += ["", "Orders to try (order number, status, customer email):"]
            lines += ["  " + line for line in demo_examples(session)]
            return lines
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Brightcart demo shop in the commerce database.")
    parser.add_argument("--url", help="SQLAlchemy database URL (default: COMMERCE_DB_URL, else shop.db)")
    parser.add_argument("--if-missing", action="store_true",
                        help="do nothing if the database already has customers")
    args = parser.parse_args(argv)
    url = args.url or commerce_db_url()
    shown_url = make_url(url).render_as_string(hide_password=True)
    if not seed(url, if_missing=args.if_missing):
        print(f"{shown_url} already has customers; left as it is.")
        return 0
    print(f"Demo shop written to {shown_url}:")
    print("\n".join(report(url)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
