"""A static, offline HTML report: ``index.html`` beside the figures it shows.

One self-contained page (inline CSS, no script, no network): a title, the run's settings as a
table, then sections of text, preformatted output, HTML tables and figures (PNG, GIF, SVG).
Every figure is linked by a relative URL to a file that exists inside the output folder (files
elsewhere are copied in), so the folder can be zipped, mailed or served as it is::

    write_report("out/run", "My run",
                 sections=[Section("Decision boundary", figures=["boundary.png"],
                                   tables=[Table(["hidden", "accuracy"], [[3, 0.975]])])],
                 settings={"learning rate": 2.0, "epochs": 20000})
"""

from __future__ import annotations

import dataclasses
import html
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

IMAGE_SUFFIXES = (".png", ".gif", ".jpg", ".jpeg", ".svg", ".webp")

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #ddd; padding-bottom: .3em; }
h2 { margin-top: 2em; border-bottom: 1px solid #eee; }
table { border-collapse: collapse; margin: 1em 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: .25em .7em; text-align: right; }
th { background: #f3f3f3; }
td:first-child, th:first-child, table.settings td { text-align: left; }
caption { caption-side: top; text-align: left; font-style: italic; padding-bottom: .3em; }
figure { display: inline-block; margin: .5em 1em 1em 0; vertical-align: top; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .9em; color: #555; }
pre { background: #f7f7f7; padding: .8em; overflow-x: auto; font-size: .9em; }
footer { margin-top: 3em; font-size: .85em; color: #777; }
"""


@dataclass
class Table:
    """An HTML table: a header row and rows of cells (numbers formatted with ``float_format``)."""

    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    caption: str | None = None
    float_format: str = "{:.6g}"

    @classmethod
    def from_records(cls, records: Sequence[Any], caption: str | None = None,
                     float_format: str = "{:.6g}") -> Table:
        """A table from dataclass instances or dicts (their fields/keys become the header)."""
        dicts = [dataclasses.asdict(r) if dataclasses.is_dataclass(r)  # type: ignore[arg-type]
                 else dict(r) for r in records]
        header = list(dicts[0]) if dicts else []
        return cls(header, [[d.get(k) for k in header] for d in dicts], caption, float_format)

    def cell(self, value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return self.float_format.format(value)
        return str(value)


@dataclass
class Image:
    """A figure file and its caption."""

    path: str | os.PathLike[str]
    caption: str = ""


@dataclass
class Section:
    """A heading with, in this order: paragraphs, preformatted text, tables, figures."""

    title: str
    text: str = ""  # plain text; a blank line separates paragraphs
    pre: str | None = None  # printed output, shown as is
    tables: Sequence[Table] = ()
    figures: Sequence[Image | str | os.PathLike[str]] = ()
    links: Sequence[str | os.PathLike[str]] = field(default_factory=list)  # other files


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _local(path: str | os.PathLike[str], out: Path) -> str:
    """Relative URL of ``path`` inside ``out``, copying it in if it lies elsewhere."""
    p = Path(path)
    if not p.is_absolute() and not p.exists():
        p = out / p
    if not p.is_file():
        raise ValueError(f"report figure or file {str(path)!r} does not exist; write it first")
    if not _inside(p, out):
        target = out / p.name
        if target.exists() and not target.samefile(p):
            raise ValueError(f"cannot copy {str(p)!r} into the report: {str(target)!r} exists")
        if not target.exists():
            shutil.copy2(p, target)
        p = target
    rel = p.resolve().relative_to(out.resolve())
    return quote(rel.as_posix())


def _paragraphs(text: str) -> list[str]:
    return [f"<p>{html.escape(' '.join(block.split()))}</p>"
            for block in text.strip().split("\n\n") if block.strip()]


def _table(table: Table, css: str = "") -> list[str]:
    out = [f'<table class="{css}">' if css else "<table>"]
    if table.caption:
        out.append(f"<caption>{html.escape(table.caption)}</caption>")
    out.append("<tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in table.header)
               + "</tr>")
    for row in table.rows:
        out.append("<tr>" + "".join(f"<td>{html.escape(table.cell(v))}</td>" for v in row)
                   + "</tr>")
    out.append("</table>")
    return out


def settings_table(settings: Mapping[str, Any]) -> Table:
    """Settings as a two-column table (name, value)."""
    return Table(["setting", "value"], [[k, v] for k, v in settings.items()], float_format="{!r}")


def render_report(out_dir: str | os.PathLike[str], title: str, sections: Sequence[Section] = (),
                  settings: Mapping[str, Any] | None = None, intro: str = "") -> str:
    """The HTML text of the report (figures resolved against, and copied into, ``out_dir``)."""
    from nnscratch._version import __version__

    out = Path(out_dir)
    body = [f"<h1>{html.escape(title)}</h1>", *_paragraphs(intro)]
    if sections:
        body.append("<nav><ul>")
        body += [f'<li><a href="#s{i}">{html.escape(s.title)}</a></li>'
                 for i, s in enumerate(sections, 1)]
        body.append("</ul></nav>")
    if settings:
        body += ["<h2>Settings</h2>", *_table(settings_table(settings), "settings")]
    for i, sec in enumerate(sections, 1):
        body.append(f'<h2 id="s{i}">{html.escape(sec.title)}</h2>')
        body += _paragraphs(sec.text)
        if sec.pre:
            body.append(f"<pre>{html.escape(sec.pre)}</pre>")
        for table in sec.tables:
            body += _table(table)
        for fig in sec.figures:
            image = fig if isinstance(fig, Image) else Image(fig)
            if Path(image.path).suffix.lower() not in IMAGE_SUFFIXES:
                kinds = ", ".join(IMAGE_SUFFIXES)
                raise ValueError(f"{str(image.path)!r} is not an image ({kinds}); use links")
            url = _local(image.path, out)
            caption = html.escape(image.caption or Path(image.path).name)
            body.append(f'<figure><a href="{url}"><img src="{url}" alt="{caption}"></a>'
                        f"<figcaption>{caption}</figcaption></figure>")
        if sec.links:
            body.append("<ul>")
            for link in sec.links:
                url = _local(link, out)
                body.append(f'<li><a href="{url}">{html.escape(Path(link).name)}</a></li>')
            body.append("</ul>")
    body.append(f"<footer>Written by nnscratch {html.escape(__version__)}; static page, "
                "works offline.</footer>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def write_report(out_dir: str | os.PathLike[str], title: str, sections: Sequence[Section] = (),
                 settings: Mapping[str, Any] | None = None, intro: str = "",
                 filename: str = "index.html") -> Path:
    """Write ``out_dir/index.html`` (atomically) and return its path.

    Parameters
    ----------
    out_dir : folder of the report (created); figures inside it are linked relatively, others
        are copied in first
    title : page title
    sections : Section list, shown in order (with a table of contents)
    settings : the run's settings, shown first as a table
    intro : paragraphs under the title
    filename : name of the page

    Returns
    -------
    path : Path of the written page

    Raises
    ------
    ValueError
        If a figure or linked file does not exist (the page never links a missing file).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = render_report(out, title, sections, settings, intro)
    path = out / filename
    tmp = path.with_name(f".{filename}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
