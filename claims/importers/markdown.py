"""Markdown files: the seed's export form (a `#` title, then 文章作者/发布时间/发布地/原文链接/封面图链接 lines)
and plain Markdown, optionally with `key: value` front matter."""

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sources.urlnorm import normalize_url

from .base import ArticleData, CandidateLink, ParseError, clean_line, decode_text, guess_language

# Header label in the export → ArticleData attribute.
SEED_FIELDS = {
    "文章作者": "author",
    "发布时间": "published_at",
    "发布地": "place",
    "原文链接": "url",
    "封面图链接": "cover_image_url",
    "时区": "time_zone",  # not written by the exporter; lets a file say which zone its time is in
}
_HEADER = re.compile(r"^\s*(" + "|".join(SEED_FIELDS) + r")\s*[:：]\s*(.*?)\s*$")

# Places whose local time is UTC+8. The exporter writes 发布地 as a province, municipality or region.
CHINA_TIME_ZONES = {
    "香港": "Asia/Hong_Kong",
    "澳门": "Asia/Macau",
    "台湾": "Asia/Taipei",
}
MAINLAND_PLACES = (
    "中国",
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
)

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_IMAGE_LINE = re.compile(r"^\s*(?:!\[[^\]]*\]\([^)]*\)\s*)+$")
_LINK = re.compile(r"\[([^\]]*)\]\((\S+?)(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_EMPHASIS = re.compile(r"(\*\*|__)(.*?)\1")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_FRONT_MATTER_KEYS = {
    "title": "title",
    "url": "url",
    "link": "url",
    "canonical": "url",
    "source": "url",
    "author": "author",
    "date": "published_at",
    "published": "published_at",
    "published_at": "published_at",
    "language": "language",
    "lang": "language",
    "outlet": "outlet",
    "site": "outlet",
    "sitename": "outlet",
    "place": "place",
    "cover": "cover_image_url",
    "image": "cover_image_url",
}


def parse_markdown_file(data: bytes, *, url: str = "") -> ArticleData:
    """Parse a Markdown file; `url` (e.g. from --url) is used when the file does not name its own."""
    text = decode_text(data)
    lines = text.split("\n")
    front, lines = _front_matter(lines)
    title, lines = _title(lines)
    header, body_lines = _seed_header(lines)
    article = ArticleData(url="", origin="seed-markdown" if header else "markdown")
    article.title = title or front.get("title", "")
    for label, value in header.items():
        attribute = SEED_FIELDS[label]
        if attribute not in ("published_at", "time_zone"):
            setattr(article, attribute, value)
    for key in ("author", "outlet", "place", "cover_image_url", "language"):
        if not getattr(article, key) and front.get(key):
            setattr(article, key, front[key])

    raw_url = header.get("原文链接") or front.get("url") or url
    if not raw_url:
        raise ParseError(
            "原文链接 (url)",
            _(
                "missing: the file names no original link (a 原文链接: line or url: in front matter), and an article "
                "is known by its url; add one or pass --url"
            ),
        )
    article.url = _valid_url(raw_url, "原文链接 (url)" if header.get("原文链接") else "url")
    if article.cover_image_url:
        article.cover_image_url = _valid_url(article.cover_image_url, "封面图链接 (cover_image_url)")

    if "发布时间" in header:
        article.published_at = parse_local_time(
            header["发布时间"],
            field_name="发布时间 (published_at)",
            place=article.place,
            zone=header.get("时区", ""),
            warnings=article.warnings,
        )
    elif front.get("published_at"):
        article.published_at = parse_local_time(
            front["published_at"],
            field_name="date (published_at)",
            place=article.place,
            zone="",
            warnings=article.warnings,
        )
    elif header:
        article.warnings.append(_("发布时间 (published_at): missing; the article is imported without a date"))

    # A WeChat export names the public account as its author: that account is the outlet too.
    if article.url.startswith(("https://mp.weixin.qq.com/", "http://mp.weixin.qq.com/")) and not article.outlet:
        article.outlet = article.author
    article.body, article.links = markdown_to_text(body_lines)
    if not article.title:
        article.warnings.append(_("title: the file has no `# ` title line"))
    if not article.body:
        article.warnings.append(_("body: the file has no body text"))
    article.language = article.language or guess_language(f"{article.title}\n{article.body}")
    return article


def _front_matter(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    if not lines or lines[0].strip() != "---":
        return {}, lines
    for end in range(1, min(len(lines), 60)):
        if lines[end].strip() == "---":
            values = {}
            for line in lines[1:end]:
                key, sep, value = line.partition(":")
                attribute = _FRONT_MATTER_KEYS.get(key.strip().lower())
                if sep and attribute and value.strip():
                    values[attribute] = value.strip().strip("\"'")
            return values, lines[end + 1 :]
    return {}, lines


def _title(lines: list[str]) -> tuple[str, list[str]]:
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = re.match(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", line)
        if match:
            return clean_line(match.group(1)), lines[index + 1 :]
        return "", lines[index:]
    return "", []


def _seed_header(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """The `标签: value` lines right after the title (blank lines between them allowed), and the rest."""
    header: dict[str, str] = {}
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _HEADER.match(line)
        if not match:
            return header, lines[index:]
        label, value = match.groups()
        if label in header and header[label] != value:
            raise ParseError(
                label, _("given twice, as “%(first)s” and as “%(second)s”") % {"first": header[label], "second": value}
            )
        if value:  # an empty `封面图链接:` line is as good as none
            header[label] = value
    return header, []


def _valid_url(raw: str, field_name: str) -> str:
    try:
        return normalize_url(raw)
    except ValidationError as exc:
        raise ParseError(
            field_name,
            _("“%(value)s” is not a usable url: %(problem)s") % {"value": raw[:200], "problem": " ".join(exc.messages)},
        ) from exc


_CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_UTC_OFFSET = re.compile(r"\s*\(?\s*(?:UTC|GMT)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?\s*\)?\s*$", re.IGNORECASE)
_ZONE_WORDS = {"北京时间": "Asia/Shanghai", "东八区": "Asia/Shanghai"}


def _zone_from_text(value: str, field_name: str) -> timezone | ZoneInfo | None:
    value = value.strip()
    if not value:
        return None
    if value in _ZONE_WORDS:
        return ZoneInfo(_ZONE_WORDS[value])
    match = _UTC_OFFSET.fullmatch(value)
    if match:
        sign, hours, minutes = match.groups()
        if not hours:
            return UTC
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta > timedelta(hours=14):
            raise ParseError(field_name, _("“%(value)s” is not a UTC offset (at most ±14 hours)") % {"value": value})
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(value)
    except (ValueError, KeyError) as exc:
        raise ParseError(
            field_name,
            _("“%(value)s” is neither a UTC offset (UTC+8) nor a time zone name (Asia/Shanghai)") % {"value": value},
        ) from exc


def place_time_zone(place: str) -> ZoneInfo | None:
    """The time zone a Chinese place name implies, None when the place is not in China."""
    place = place.strip()
    for name, zone in CHINA_TIME_ZONES.items():
        if place.startswith(name) or place.startswith("中国" + name):
            return ZoneInfo(zone)
    if place.startswith(MAINLAND_PLACES):
        return ZoneInfo("Asia/Shanghai")
    return None


def parse_local_time(value: str, *, field_name: str, place: str, zone: str, warnings: list[str]) -> datetime:
    """A time as the file writes it, made aware: the file's own offset or 时区 line, else the place's zone
    (China: UTC+8), else IMPORT_DEFAULT_TIME_ZONE with a warning."""
    raw = value
    text = value.strip()
    for word, name in _ZONE_WORDS.items():
        if word in text:
            text, zone = text.replace(word, " ").strip(), zone or name
    offset = _UTC_OFFSET.search(text)
    if offset and offset.group(0).strip():
        zone = zone or offset.group(0).strip(" ()")
        text = text[: offset.start()].strip()
    text = _CHINESE_DATE.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d} ", text).strip()
    text = re.sub(r"\s+", " ", text.replace("/", "-"))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ParseError(
            field_name, _("“%(value)s” is not a date and time (expected e.g. 2024-11-27 09:23)") % {"value": raw}
        ) from exc
    if moment.tzinfo is not None:
        return moment
    tz = _zone_from_text(zone, "时区 (time zone)") if zone else place_time_zone(place)
    if tz is None:
        tz = ZoneInfo(settings.IMPORT_DEFAULT_TIME_ZONE)
        if place:
            warning = _("%(field)s: 发布地 “%(place)s” is not in China and no time zone; read as %(zone)s")
        else:
            warning = _("%(field)s: the file gives no place (发布地) and no time zone; read as %(zone)s")
        warnings.append(warning % {"field": field_name, "place": place, "zone": settings.IMPORT_DEFAULT_TIME_ZONE})
    return moment.replace(tzinfo=tz)


def markdown_to_text(lines: list[str]) -> tuple[str, list[CandidateLink]]:
    """Body text without images or Markdown markup, and the links it carries."""
    links: list[CandidateLink] = []
    seen: set[str] = set()
    paragraphs: list[str] = []
    current: list[str] = []

    def link(match: re.Match) -> str:
        label, target = match.group(1).strip(), match.group(2)
        if target.startswith(("http://", "https://")):
            try:
                canonical = normalize_url(target)
            except ValidationError:
                return label
            if canonical not in seen:
                seen.add(canonical)
                links.append(CandidateLink(url=canonical, text=clean_line(label)))
        return label

    for line in [*lines, ""]:
        if _IMAGE_LINE.match(line):
            continue
        stripped = _IMAGE.sub("", line)
        stripped = _LINK.sub(link, stripped)
        stripped = _AUTOLINK.sub(lambda m: link(_LINK.match(f"[{m.group(1)}]({m.group(1)})")), stripped)
        stripped = _EMPHASIS.sub(r"\2", _HEADING.sub("", stripped)).replace("\\", "")
        stripped = stripped.replace("**", "").strip()
        if stripped:
            current.append(stripped)
        elif current:
            paragraphs.append(_join(current))
            current = []
    return "\n\n".join(p for p in paragraphs if p), links


def _join(lines: list[str]) -> str:
    """Join the lines of one paragraph. The exporter wraps long lines at a space, so a space puts it back."""
    return clean_line(" ".join(lines))
