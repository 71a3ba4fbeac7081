"""The desk's pages are written in Markdown and shown as HTML that cannot carry anything staff did not mean.

markdown-it-py (CommonMark) with raw HTML off: a `<script>` or `<img onerror>` in a page's body is shown as the text
it is, never as markup, and links to `javascript:`, `vbscript:`, `file:` and `data:` urls are left as text by its
link check. An image from another host is blocked by the site's CSP (img-src 'self'). No sanitiser pass is needed
after it, because no HTML from the database is ever let through.
"""

from __future__ import annotations

from functools import lru_cache

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# The page's title is its <h1>: a body's highest heading becomes <h2> whichever level staff wrote it at ("#" or
# "##", as the starting pages do), and the rest keep their distance to it, so headings stay in order.
TOP_HEADING = 2


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    parser.core.ruler.push("shift_headings", _shift_headings)
    return parser


def _shift_headings(state) -> None:
    headings = [token for token in state.tokens if token.type in ("heading_open", "heading_close")]
    if not headings:
        return
    shift = TOP_HEADING - min(int(token.tag[1]) for token in headings)
    for token in headings:
        token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"


def render_markdown(text: str) -> SafeString:
    """`text` (Markdown) as HTML safe to put in a page: its own markup only, never raw HTML from `text`."""
    return mark_safe(_parser().render(text or ""))  # html=False: every "<" of the input came out escaped
