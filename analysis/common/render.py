"""Render the policy brief: with Quarto where it is installed, else with pandoc + Typst.

Quarto cannot be installed everywhere (its installer downloads from GitHub), but pandoc (PyPI
``pypandoc-binary``) and Typst (PyPI ``typst``) can. So the brief is written once, in the
subset of Quarto syntax listed in docs/architecture.md, and the fallback implements that subset.
The brief names the renderer that made it through the metadata key ``renderer``.

The fallback has one implementation of each feature:

* ``{{< include path >}}`` and ``{{< meta key >}}`` are text substitutions, done here
  (:func:`expand_shortcodes`) before pandoc parses anything, so they work anywhere a value can
  appear: paragraphs, captions, table cells, headers, attributes. Include paths are relative to
  the brief's directory (``reports/``); meta values are pasted in as markdown, as Quarto reads
  them. Quarto splices includes in as text too.
* everything that needs the document tree (numbering, cross-references, callouts, conditional
  content, alt text) is in ``reports/fallback/quarto-compat.lua``;
* the PDF's page layout is the pandoc template ``reports/fallback/brief.typ``, the HTML's
  ``reports/brief.css`` (shared with Quarto).

Format options (toc, css, paper size, margins, ...) are read from the brief's ``_quarto.yml``
(the nearest one in its folder or above, as Quarto finds it) and from its front matter, so the
two renderers share one configuration.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

RENDERERS = ("auto", "quarto", "pandoc-typst")
FALLBACK_DIR = "fallback"  # next to the brief: quarto-compat.lua and brief.typ
SHORTCODE = re.compile(r"\{\{<\s*(?P<name>[\w-]+)(?P<args>[^>]*?)\s*>\}\}")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
HTML_OPTIONS = ("toc", "toc-depth", "toc-title", "css", "number-sections")
TYPST_OPTIONS = (
    "papersize", "margin", "fontsize", "number-sections", "section-numbering",
    "page-numbering", "toc", "toc-depth",
)  # fmt: skip


def choose_renderer(preference: str) -> str:
    """``"quarto"`` if a ``quarto`` executable is on PATH and ``preference`` allows it, else
    ``"pandoc-typst"``; asking for Quarto where there is none is an error, not a silent swap."""
    if preference not in RENDERERS:
        raise ValueError(f"report.renderer is {preference!r}; use one of {', '.join(RENDERERS)}")
    if preference == "pandoc-typst":
        return "pandoc-typst"
    if shutil.which("quarto"):
        return "quarto"
    if preference == "quarto":
        raise RuntimeError(
            "config/config.yaml sets report.renderer: quarto, but no `quarto` executable is on "
            "PATH. Install Quarto (https://quarto.org/docs/get-started/, or `pip install "
            "quarto-cli`) or set report.renderer to auto (pandoc + Typst when Quarto is absent)."
        )
    return "pandoc-typst"


def render_brief(qmd: Path, meta_file: Path, html_out: Path, pdf_out: Path, renderer: str) -> str:
    """Render ``qmd`` to ``html_out`` (self-contained) and ``pdf_out``; return who rendered it.

    ``meta_file`` is the merged numbers and provenance (results/brief/meta.yml); the returned
    description (renderer and versions) is also the document's ``renderer`` metadata. The
    fallback replaces earlier outputs only once both have rendered.
    """
    qmd, meta_file = Path(qmd).resolve(), Path(meta_file).resolve()
    html_out, pdf_out = Path(html_out).resolve(), Path(pdf_out).resolve()
    for path in (html_out, pdf_out):
        path.parent.mkdir(parents=True, exist_ok=True)
    if renderer == "quarto":
        return _render_quarto(qmd, meta_file, html_out, pdf_out)
    if renderer == "pandoc-typst":
        return _render_fallback(qmd, meta_file, html_out, pdf_out)
    raise ValueError(f"unknown renderer {renderer!r}; use quarto or pandoc-typst")


# --- shortcodes -----------------------------------------------------------------------------


def expand_shortcodes(text: str, root: Path, meta: Mapping[str, Any]) -> str:
    """Splice in ``{{< include >}}`` files (recursively, relative to ``root``), then replace
    ``{{< meta key >}}`` by its value. Unknown shortcodes, keys and files are errors."""
    expanded = _expand_includes(text, Path(root), ())

    def meta_value(match: re.Match[str]) -> str:
        key = match["args"].strip()
        if key not in meta:
            raise ValueError(
                f"the brief quotes {{{{< meta {key} >}}}} but no metadata key {key!r} exists "
                "(results/brief/meta.yml keys are <stage>_<key> from results/<stage>/numbers.json)"
            )
        return _inline_safe(_meta_text(meta[key]), match)

    return SHORTCODE.sub(lambda m: meta_value(m) if m["name"] == "meta" else m[0], expanded)


def _inline_safe(value: str, match: re.Match[str]) -> str:
    """Keep a value that starts a source line from becoming a block marker.

    Quarto resolves shortcodes after parsing, so ``{{< meta year >}}.`` at the start of a
    wrapped line stays text; pasted in as ``2035.`` it would start an ordered list. Escape
    what markdown would read as a list, heading or quote marker there.
    """
    line_start = match.string.rfind("\n", 0, match.start()) + 1
    if match.string[line_start : match.start()].strip():
        return value
    if value[:1] and value[0] in "-+*#>":
        return "\\" + value
    if value.isdigit() and match.string[match.end() : match.end() + 1] in (".", ")"):
        return value + "\\"
    return re.sub(r"^(\d+)(?=[.)](\s|$))", r"\1\\", value)


def _expand_includes(text: str, root: Path, stack: tuple[Path, ...]) -> str:
    def include(match: re.Match[str]) -> str:
        name = match["name"]
        if name == "meta":
            return match[0]
        if name != "include":
            raise ValueError(
                f"shortcode {{{{< {name} >}}}} is not supported by the fallback renderer; "
                "the brief may use only meta and include (docs/architecture.md)"
            )
        path = (root / match["args"].strip()).resolve()
        if path in stack:
            raise ValueError(f"{{{{< include >}}}} loop: {' -> '.join(map(str, (*stack, path)))}")
        if not path.is_file():
            where = f" (included from {stack[-1]})" if stack else ""
            raise FileNotFoundError(
                f"{{{{< include {match['args'].strip()} >}}}}: no file {path}{where}"
            )
        body = FRONT_MATTER.sub("", path.read_text(encoding="utf-8"), count=1)
        return _expand_includes(body, root, (*stack, path)).rstrip("\n")

    return SHORTCODE.sub(include, text)


def _meta_text(value: Any) -> str:
    """How Quarto prints a metadata value: booleans as true/false, the rest as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _front_matter(text: str) -> dict[str, Any]:
    match = FRONT_MATTER.match(text)
    return (yaml.safe_load(match["yaml"]) or {}) if match else {}


# --- fallback: pandoc + Typst ---------------------------------------------------------------


def pandoc_version() -> str:
    import pypandoc

    return pypandoc.get_pandoc_version()


def typst_version() -> str:
    """The Typst compiler's version (the PyPI package's own version differs)."""
    import typst

    return typst.eval(b"", "str(sys.version)").strip('"')


def _render_fallback(qmd: Path, meta_file: Path, html_out: Path, pdf_out: Path) -> str:
    import typst

    quarto_note = "as configured" if shutil.which("quarto") else "Quarto not found"
    renderer = f"pandoc {pandoc_version()} + Typst {typst_version()} (fallback; {quarto_note})"
    source = qmd.read_text(encoding="utf-8")
    document_meta, html_options, typst_options = _format_options(qmd, source)
    meta = {**document_meta, **_front_matter(source), **_read_yaml(meta_file), "renderer": renderer}
    markdown = expand_shortcodes(source, qmd.parent, meta)
    assets = qmd.parent / FALLBACK_DIR

    with tempfile.TemporaryDirectory(prefix="brief-") as tmp:
        tmpdir = Path(tmp)
        html_tmp, typ_tmp, pdf_tmp = (tmpdir / f"brief.{ext}" for ext in ("html", "typ", "pdf"))
        common = [
            "--from=markdown",
            f"--lua-filter={assets / 'quarto-compat.lua'}",
            f"--metadata-file={meta_file}",
            f"--resource-path={qmd.parent}",
        ]

        html_args = ["--standalone", "--embed-resources", "--to=html5"]
        if html_options.get("toc"):
            html_args += ["--toc", f"--toc-depth={html_options.get('toc-depth', 3)}"]
        if html_options.get("number-sections"):
            html_args.append("--number-sections")
        html_args += [f"--css={css}" for css in _as_list(html_options.get("css"))]
        toc_title = {"toc-title": html_options["toc-title"]} if "toc-title" in html_options else {}
        html_meta = _write_yaml(
            tmpdir / "html.yml", {**document_meta, **toc_title, "renderer": renderer}
        )
        _pandoc(
            markdown,
            [*common, f"--metadata-file={html_meta}", *html_args, f"--output={html_tmp}"],
            qmd.parent,
        )

        typst_meta = _write_yaml(
            tmpdir / "typst.yml", {**document_meta, **typst_options, "renderer": renderer}
        )
        typst_args = ["--standalone", "--to=typst", f"--template={assets / 'brief.typ'}"]
        _pandoc(
            markdown,
            [*common, f"--metadata-file={typst_meta}", *typst_args, f"--output={typ_tmp}"],
            qmd.parent,
        )
        # the filter made every image path absolute, so the root is the filesystem's
        typst.compile(str(typ_tmp), output=str(pdf_tmp), root=qmd.anchor, ignore_system_fonts=True)

        shutil.move(html_tmp, html_out)
        shutil.move(pdf_tmp, pdf_out)
    return renderer


def _pandoc(markdown: str, args: list[str], cwd: Path) -> None:
    """Run pandoc in the brief's directory, so relative figure paths resolve as in Quarto."""
    import pypandoc

    result = subprocess.run(
        [pypandoc.get_pandoc_path(), *args],
        input=markdown,
        text=True,
        capture_output=True,
        cwd=cwd,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pandoc failed ({' '.join(args)}):\n{result.stderr.strip()}")


def quarto_project(qmd: Path) -> Path | None:
    """The ``_quarto.yml`` governing ``qmd``: the nearest one in its folder or above (Quarto's
    rule), or None."""
    for folder in (qmd.parent, *qmd.parent.parents):
        if (folder / "_quarto.yml").is_file():
            return folder / "_quarto.yml"
    return None


def _format_options(
    qmd: Path, source: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Top-level metadata, html options and typst options of the brief's ``_quarto.yml``, each
    overridden by the brief's front matter (Quarto's precedence). Stylesheet paths are made
    absolute (in ``_quarto.yml`` they are relative to it)."""
    project_file = quarto_project(qmd)
    project = _read_yaml(project_file) if project_file else {}
    front = _front_matter(source)
    document_meta = {k: v for k, v in project.items() if k not in ("project", "format")}
    html, typst_ = (
        {k: v for k, v in _format_block(project, name).items() if k in keys}
        for name, keys in (("html", HTML_OPTIONS), ("typst", TYPST_OPTIONS))
    )
    if project_file and "css" in html:
        html["css"] = [str(project_file.parent / css) for css in _as_list(html["css"])]
    for options, name, keys in ((html, "html", HTML_OPTIONS), (typst_, "typst", TYPST_OPTIONS)):
        options.update({k: v for k, v in _format_block(front, name).items() if k in keys})
    if typst_.get("number-sections") and "section-numbering" not in typst_:
        typst_["section-numbering"] = "1.1.a"  # Quarto's default
    return document_meta, html, typst_


def _format_block(config: Mapping[str, Any], name: str) -> dict[str, Any]:
    formats = config.get("format") or {}
    block = formats.get(name) if isinstance(formats, Mapping) else None
    return dict(block) if isinstance(block, Mapping) else {}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _read_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a YAML mapping")
    return data


def _write_yaml(path: Path, mapping: Mapping[str, Any]) -> Path:
    Path(path).write_text(yaml.safe_dump(dict(mapping), allow_unicode=True), encoding="utf-8")
    return Path(path)


# --- Quarto ---------------------------------------------------------------------------------


def _render_quarto(qmd: Path, meta_file: Path, html_out: Path, pdf_out: Path) -> str:
    """``quarto render`` to html and to typst in the brief's directory; whatever else Quarto
    leaves there or in its project folder (.quarto/, a .gitignore, brief_files/) is removed."""
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RuntimeError("renderer 'quarto' chosen but no `quarto` executable is on PATH")
    version = subprocess.run(
        [quarto, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    renderer = f"Quarto {version}"
    project_file = quarto_project(qmd)
    clutter = {qmd.parent / f"{qmd.stem}_files", qmd.with_suffix(".typ")} | {
        folder / name
        for folder in {qmd.parent, project_file.parent if project_file else qmd.parent}
        for name in (".quarto", ".gitignore")
    }
    clutter = {path for path in clutter if not path.exists()}  # Quarto's, not the user's
    produced = {"html": qmd.with_suffix(".html"), "typst": qmd.with_suffix(".pdf")}
    try:
        for fmt, target in (("html", html_out), ("typst", pdf_out)):
            result = subprocess.run(
                [
                    quarto, "render", qmd.name, "--to", fmt,
                    "--metadata-file", str(meta_file),
                    "-M", f"renderer:{renderer}",
                ],
                cwd=qmd.parent,
                capture_output=True,
                text=True,
                check=False,
            )  # fmt: skip
            if result.returncode != 0:
                raise RuntimeError(f"quarto render --to {fmt} failed:\n{result.stderr.strip()}")
            if produced[fmt] != target:
                shutil.move(produced[fmt], target)
    finally:
        for stray in clutter:
            if stray.is_dir():
                shutil.rmtree(stray)
            elif stray.exists():
                stray.unlink()
    return renderer
