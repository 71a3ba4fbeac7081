"""One entry point for `import_article` and the admin page: a url, a file path, or uploaded bytes."""

from pathlib import Path

from .base import ArticleData, ParseError, decode_text
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
        detail = result.error or (f"HTTP {result.http_status}" if result.http_status else "")
        if result.outcome in ("ok", "redirected"):
            detail = f"it is not a text page (content type {result.content_type or 'unknown'})"
        raise ParseError("url", f"the page could not be fetched: {result.outcome}" + (f", {detail}" if detail else ""))
    return parse_html(result.text, url=result.final_url or url, fetched=True)


def article_data_from_bytes(data: bytes, *, name: str = "", url: str = "") -> ArticleData:
    """Parse an uploaded or local file: HTML by its name or its first tag, Markdown otherwise."""
    if len(data) > MAX_FILE_BYTES:
        raise ParseError("file", f"it is {len(data)} bytes; at most {MAX_FILE_BYTES} are read")
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
        raise ParseError("file", f"{path} cannot be read: {exc.strerror or exc}") from exc
    return article_data_from_bytes(data, name=path.name, url=url)


def article_data_from(source: str, *, url: str = "") -> ArticleData:
    """A url is fetched; anything else is a file path."""
    if looks_like_url(source):
        return article_data_from_url(source.strip())
    return article_data_from_path(source, url=url)
