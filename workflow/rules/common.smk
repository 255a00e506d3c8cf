# Shared by every stage: config validation, the census year, and the list of files the brief
# reads (each stage extends BRIEF_INPUTS; the render rule takes them all as input).
import os

from snakemake.utils import validate

from analysis.common.datapackage import census_year_of
from analysis.common.provenance import code_dependencies

# Scripts import the `analysis` package from this checkout, also inside per-stage conda envs
# and on cluster nodes (jobs re-read this file), so put the repository on their PYTHONPATH.
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, [workflow.basedir, os.environ.get("PYTHONPATH")])
)


envvars:
    "PYTHONPATH",


validate(config, schema="../schemas/config.schema.yaml")

BRIEF_INPUTS = []


def census_year():
    """The census year: from config, or (``auto``) from the data package."""
    if config["census_year"] != "auto":
        return int(config["census_year"])
    return census_year_of(config["networks"]["datapackage"])


def code(script):
    """The `analysis` modules a script runs, as inputs: editing them reruns its rule."""
    modules = code_dependencies(f"workflow/scripts/{script}.py", root=workflow.basedir)
    return [os.path.relpath(os.path.join(workflow.basedir, path)) for path in modules]
