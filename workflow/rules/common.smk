# Shared by every stage: config validation, the census year, and the list of files the brief
# reads (each stage extends BRIEF_INPUTS; the render rule takes them all as input).
import json

from snakemake.utils import validate


validate(config, schema="../schemas/config.schema.yaml")

BRIEF_INPUTS = []


def census_year():
    """The census year: from config, or (``auto``) from the data package."""
    if config["census_year"] != "auto":
        return int(config["census_year"])
    with open(config["networks"]["datapackage"], encoding="utf-8") as handle:
        return int(json.load(handle)["census_year"])
