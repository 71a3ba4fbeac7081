"""One entry point for `import_article` and the admin page: a url, a file path, or uploaded bytes."""

from pathlib import Path

from django.utils.translation import gettext as _

from .base import ArticleData, ParseError, decode_text, fetch_failure
from .html import parse_html
from .markdown import parse_markdown_file

MAX_FILE_BYTES = 20 * 1024 * 1024


def looks_like_url(value: str) -> bool:
    return value.strip().lower().startswith(("http://", "https://"))


def article_data_from_url(url: str) -> ArticleData:
    """Fetch a page through the safe fetcher (the SSRF guard, time and size limits) and extract it."""
    from sources.fetch import fetch_text

    result = fetch_text(url)
    if result.text is None:
        raise ParseError("url", fetch_failure(result, what=_("the page")))
    return parse_html(result.text, url=result.final_url or url, fetched=True)


def article_data_from_bytes(data: bytes, *, name: str = "", url: str = "") -> ArticleData:
    """Parse an uploaded or local file: HTML by its name or its first tag, Markdown otherwise."""
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(
            "file", _("it is %(size)s bytes; at most %(limit)s are read") % {"size": len(data), "limit": MAX_FILE_BYTES}
        )
    suffix = Path(name).suffix.lower()
    if suffix in (".html", ".htm", ".xhtml"):
        return parse_html(decode_text(data), url=url)
    if suffix not in (".md", ".markdown", ".txt"):
        text = decode_text(data)
        head = text.lstrip()[:500].lower()
        if head.startswith(("<!doctype html", "<html")) or "<body" in head:
            return parse_html(text, url=url)
    return parse_markdown_file(data, url=url)


def article_data_from_path(path: str | Path, *, url: str = "") -> ArticleData:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(
            "file", _("%(path)s cannot be read: %(problem)s") % {"path": path, "problem": exc.strerror or exc}
        ) from exc
    return article_data_from_bytes(data, name=path.name, url=url)


def article_data_from(source: str, *, url: str = "") -> ArticleData:
    """A url is fetched; anything else is a file path."""
    if looks_like_url(source):
        return article_data_from_url(source.strip())
    return article_data_from_path(source, url=url)
