"""HTML pages: title, author, outlet, date, language and main text extracted with trafilatura."""

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import trafilatura
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sources.urlnorm import normalize_url

from .base import ArticleData, CandidateLink, ParseError, clean_line, guess_language

_DATE_PARAMS = {"extensive_search": True, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
_HTML_LANG = re.compile(r"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)", re.IGNORECASE)


def parse_html(html: str, *, url: str = "", fetched: bool = False) -> ArticleData:
    """Extract an article from a page. `url` is where it came from (a fetched page) or what --url gave.

    The page's own canonical url is used when it is on the same host as the fetched one (or when the file
    came with no url); a page may not redirect our import onto another site's article row.
    """
    document = trafilatura.bare_extraction(
        html,
        url=url or None,
        with_metadata=True,
        include_links=True,
        include_comments=False,
        include_images=False,
        date_extraction_params=_DATE_PARAMS,
    )
    if document is None or document.body is None:
        raise ParseError("body", _("no main text could be found in the page"))
    article = ArticleData(url="", origin="html")
    article.url = _choose_url(given=url, declared=document.url or "", fetched=fetched)
    article.title = clean_line(document.title or "")
    article.author = clean_line(document.author or "")
    article.outlet = clean_line(document.sitename or "")
    article.cover_image_url = _optional_url(document.image or "")
    article.body = _body_text(document.body)
    article.published_at = _date(document.date or "", article.warnings)
    match = _HTML_LANG.search(html[:5000])
    article.language = (
        document.language or (match.group(1) if match else "") or guess_language(f"{article.title}\n{article.body}")
    )
    article.links = _links(document.body, own_url=article.url)
    if not article.body:
        raise ParseError("body", _("the page has no main text"))
    return article


def _choose_url(*, given: str, declared: str, fetched: bool) -> str:
    declared = _optional_url(declared)
    if given:
        try:
            given = normalize_url(given)
        except ValidationError as exc:
            raise ParseError("url", " ".join(exc.messages)) from exc
        if not fetched or not declared:
            return given
        if urlsplit(declared).hostname == urlsplit(given).hostname:
            return declared
        return given
    if not declared:
        raise ParseError("url", _("the page declares no canonical url (link rel=canonical or og:url); pass --url"))
    return declared


def _optional_url(raw: str) -> str:
    if not raw:
        return ""
    try:
        return normalize_url(raw)
    except ValidationError:
        return ""


def _date(raw: str, warnings: list[str]) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        warnings.append(
            _("published_at: the page's date “%(value)s” could not be read; imported without a date") % {"value": raw}
        )
        return None
    if moment.tzinfo is None:
        if moment.hour == moment.minute == 0:
            warnings.append(_("published_at: the page gives a date without a time; stored as midnight UTC"))
        moment = moment.replace(tzinfo=UTC)
    return moment


def _body_text(body) -> str:
    paragraphs = []
    for element in body:
        text = clean_line("".join(element.itertext()))
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def _links(body, *, own_url: str) -> list[CandidateLink]:
    links: list[CandidateLink] = []
    seen = {own_url}
    for ref in body.iter("ref"):
        target = _optional_url(ref.get("target", ""))
        if target and target not in seen:
            seen.add(target)
            links.append(CandidateLink(url=target, text=clean_line("".join(ref.itertext()))))
    return links
